// Keyboard for a long queue: j/k move, a accepts the current item, r goes to its reject reason,
// u undoes the last decision. Keys typed into a field are the field's.
(() => {
  "use strict";
  const items = () => [...document.querySelectorAll("article.item")];
  let at = 0;

  function select(i, scroll) {
    const list = items();
    if (!list.length) return;
    at = Math.max(0, Math.min(i, list.length - 1));
    list.forEach((el, k) => el.classList.toggle("current", k === at));
    if (scroll) list[at].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const current = items()[at];
    if (e.target.closest && e.target.closest("input, select, textarea")) {
      // Enter on the reason list rejects, as Enter in a text field submits its form.
      if (e.key === "Enter" && e.target.matches("form.reject select")) {
        e.preventDefault();
        e.target.form.requestSubmit();
      }
      return;
    }
    if (e.key === "j") select(at + 1, true);
    else if (e.key === "k") select(at - 1, true);
    else if (e.key === "a" && current) current.querySelector("form.accept").requestSubmit();
    else if (e.key === "r" && current) current.querySelector("form.reject select").focus();
    else if (e.key === "u" && document.querySelector("form.undo")) document.querySelector("form.undo").requestSubmit();
    else return;
    e.preventDefault();
  });

  document.addEventListener("click", (e) => {
    const item = e.target.closest && e.target.closest("article.item");
    if (item) select(items().indexOf(item), false);
  });

  const filters = document.querySelector("form.filters");
  if (filters) {
    filters.querySelectorAll("select").forEach((s) => s.addEventListener("change", () => filters.requestSubmit()));
  }

  // After a decision the desk comes back to the same place in the queue (#pos-N).
  const spot = /^#pos-(\d+)$/.exec(location.hash);
  select(spot ? Number(spot[1]) : 0, Boolean(spot));
})();
