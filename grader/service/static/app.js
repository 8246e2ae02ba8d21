// The live parts of the service's pages: drag-and-drop hand-in, a hand-in's progress, the class dashboard.
// Every page works without this file, by reloading; text is always set with textContent, never as HTML.
"use strict";

function element(tag, text, attributes) {
  const found = document.createElement(tag);
  if (text !== undefined && text !== null) found.textContent = String(text);
  for (const [key, value] of Object.entries(attributes || {})) found.setAttribute(key, value);
  return found;
}

function shown(value) {
  return typeof value === "number" ? value.toFixed(3) : "–";
}

function showError(message) {
  let box = document.getElementById("error");
  if (!box) {
    box = element("p", "", { id: "error", class: "error", role: "alert" });
    document.querySelector("main h1").after(box);
  }
  box.textContent = message;
}

async function upload(form, file) {
  const data = new FormData();
  data.append("assignment", form.querySelector("#assignment").value);
  data.append("file", file, file.name);
  const response = await fetch("/api/handins", { method: "POST", body: data, headers: { "X-CSRF-Token": form.dataset.csrf } });
  const answer = await response.json().catch(() => ({ error: `The service answered ${response.status}.` }));
  if (response.ok) window.location.assign(answer.page_url);
  else showError(answer.error);
}

function dropZone() {
  const form = document.getElementById("handin");
  const zone = document.getElementById("drop");
  if (!form || !zone) return;
  for (const name of ["dragenter", "dragover"]) zone.addEventListener(name, (event) => { event.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const file = event.dataTransfer.files[0];
    if (file) upload(form, file);
  });
}

function showHandin(status) {
  document.getElementById("state").textContent = status.state;
  document.getElementById("position").textContent = status.position ? `(number ${status.position} in the queue)` : "";
  document.getElementById("stage").textContent = status.live && status.live.stage !== status.state ? ` (${status.live.stage})` : "";
  const epochs = document.getElementById("epochs");
  epochs.replaceChildren(...((status.live && status.live.epochs) || []).map((e) =>
    element("li", `epoch ${e.epoch}${e.of ? ` of ${e.of}` : ""}: training accuracy ${shown(e.accuracy)}, loss ${shown(e.loss)}`, { class: "epoch" })));
  const result = document.getElementById("result");
  if (status.result) {
    result.replaceChildren(`${status.result.status}: `, element("strong", `${status.result.adjusted_score} / ${status.result.max_score}`, { id: "score" }));
    document.getElementById("message").textContent = status.result.message;
  }
  const report = document.getElementById("report");
  if (status.report_url) { report.href = status.report_url; report.hidden = false; }
}

function follow(url, show, stopWhen) {
  const source = new EventSource(url);
  source.onmessage = (event) => {
    const data = JSON.parse(event.data);
    show(data);
    if (stopWhen && stopWhen(data)) source.close();
  };
}

function progress() {
  const box = document.getElementById("progress");
  if (!box) return;
  const status = JSON.parse(box.dataset.status);
  showHandin(status);
  if (status.state !== "done") follow(box.dataset.events, showHandin, (s) => s.state === "done");
}

function classRow(assignment, csrf, row) {
  const base = `/instructor/a/${encodeURIComponent(assignment)}`;
  const line = element("tr", null, { "data-student": row.student });
  const who = element("td");
  who.append(element("a", row.student, { href: `${base}/students/${encodeURIComponent(row.student)}` }));
  const latest = element("td", null, { class: "latest" });
  if (row.latest) {
    const result = row.latest.result ? `: ${row.latest.result.status}, ${row.latest.result.adjusted_score}` : "";
    latest.append(element("a", `${row.latest.state}${result}`, { href: row.latest.page_url }));
    if (row.latest.lateness.state === "late") latest.append(" ", element("span", "late", { class: "late" }));
  } else latest.textContent = "–";
  const best = element("td", null, { class: "best" });
  if (row.best) best.append(element("a", row.best.result.adjusted_score, { href: `/a/${encodeURIComponent(assignment)}/handins/${row.best.id}/report` }));
  else best.textContent = "–";
  const action = element("td");
  if (row.latest) {
    const form = element("form", null, { method: "post", action: `${base}/regrade`, class: "inline" });
    form.append(element("input", null, { type: "hidden", name: "csrf", value: csrf }),
      element("input", null, { type: "hidden", name: "student", value: row.student }),
      element("button", "regrade", { type: "submit", class: "link" }));
    action.append(form);
  }
  line.append(who, element("td", row.name), element("td", row.handins, { class: "num" }), latest, best, action);
  return line;
}

function dashboard() {
  const table = document.getElementById("class");
  if (!table) return;
  let shown;
  follow(table.dataset.events, (view) => {
    document.getElementById("running").textContent = view.running;
    document.getElementById("queued").textContent = view.queued;
    const problem = document.getElementById("problem");
    problem.textContent = view.problem;
    problem.hidden = !view.problem;
    table.tBodies[0].replaceChildren(...view.rows.map((row) => classRow(table.dataset.assignment, table.dataset.csrf, row)));
    const summary = document.getElementById("summary");
    if (summary && shown !== undefined) summary.src = summary.src;  // the summary view, written after each grading
    shown = view;
  });
}

document.addEventListener("DOMContentLoaded", () => { dropZone(); progress(); dashboard(); });
