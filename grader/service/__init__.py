"""`grader serve COURSE`: students hand in from a browser or Jupyter and watch it grade; instructors see the class live.

    place      the course folder's service state: uploads by SHA-256, one grades folder per assignment
    handins    the hand-in queue, a table in the assignment's own gradebook.sqlite
    access     who may do what: the roster, hashed tokens, one-time sign-in codes, sessions
    limits     per-student limits and the late policy, each refusal a clear message
    grading    the dispatcher: queued hand-ins → the batch's pools → reports and gradebook
    progress   what each grading is doing now, for the live pages
    app        the Starlette application: pages (``pages``) and the JSON API (``api``)
    client     `grader submit` and the in-notebook ``submit()``: the API from the student's side

Why Starlette on uvicorn: the service is a dozen routes, server-sent events and a form upload.
Starlette gives exactly that (routing, streaming responses, multipart through python-multipart,
a test client) with no model layer to learn; FastAPI would add pydantic and OpenAPI generation,
which a fixed, small JSON API does not need. uvicorn is the ASGI server Starlette is tested on.
"""
