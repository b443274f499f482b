// netsite: small progressive enhancements. Every page works without this file.
"use strict";
document.documentElement.classList.add("js");

function cellValue(row, index) {
  const cell = row.cells[index];
  return cell ? (cell.dataset.value ?? cell.textContent.trim()) : "";
}

function sortTable(table, index, numeric, header) {
  const ascending = header.getAttribute("aria-sort") !== "ascending";
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  rows.sort((a, b) => {
    const x = cellValue(a, index), y = cellValue(b, index);
    const order = numeric ? Number(x) - Number(y) : x.localeCompare(y, undefined, { sensitivity: "base" });
    return ascending ? order : -order;
  });
  table.querySelectorAll("th").forEach((th) => th.removeAttribute("aria-sort"));
  header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  rows.forEach((row) => body.appendChild(row));
}

function enableSorting(table) {
  Array.from(table.tHead.rows[0].cells).forEach((th, index) => {
    if (!th.dataset.sort) return;
    th.tabIndex = 0;
    const run = () => sortTable(table, index, th.dataset.sort === "number", th);
    th.addEventListener("click", run);
    th.addEventListener("keydown", (event) => { if (event.key === "Enter") run(); });
  });
}

function enableFilters(form, table) {
  const rows = Array.from(table.tBodies[0].rows);
  const apply = () => {
    const f = Object.fromEntries(new FormData(form));
    const query = (f.q || "").toLowerCase();
    let shown = 0;
    rows.forEach((row) => {
      const ok = (!f.status || row.dataset.status === f.status)
        && (!f.company || row.dataset.company === f.company)
        && (!f.tag || row.dataset.tags.split("|").includes(f.tag))
        && (!f.degree || row.dataset.degree === f.degree)
        && (!query || row.textContent.toLowerCase().includes(query));
      row.hidden = !ok;
      shown += ok ? 1 : 0;
    });
    form.elements.shown.value = `${shown} of ${rows.length} shown`;
  };
  form.addEventListener("input", apply);
  form.addEventListener("submit", (event) => event.preventDefault());
  const params = new URLSearchParams(location.search);
  for (const [key, value] of params) if (form.elements[key]) form.elements[key].value = value;
  apply();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("table.sortable").forEach(enableSorting);
  const form = document.getElementById("filters");
  const table = document.getElementById("contact-table");
  if (form && table) enableFilters(form, table);
});
