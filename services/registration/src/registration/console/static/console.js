// Light progressive enhancement: every page works without it.
document.addEventListener("DOMContentLoaded", () => {
  // Catalog: "select all" and a live count on the eligibility button.
  const selection = document.getElementById("selection");
  if (selection) {
    const boxes = () => [...selection.querySelectorAll('input[name="item"]')];
    const button = selection.querySelector("[data-needs-selection]");
    const count = selection.querySelector("[data-selected-count]");
    const refresh = () => {
      const n = boxes().filter((b) => b.checked).length;
      count.textContent = n;
      button.disabled = n === 0;
    };
    selection.querySelector("[data-select-all]")?.addEventListener("change", (e) => {
      boxes().forEach((b) => (b.checked = e.target.checked));
      refresh();
    });
    selection.addEventListener("change", refresh);
    refresh();
  }
  // Shipment page: watch the status while the shipment travels; reload when the FC moves it on.
  const watched = document.querySelector("[data-watch]");
  if (watched) {
    const shown = watched.textContent.trim();
    const poll = async () => {
      try {
        const r = await fetch(watched.dataset.watch, { credentials: "same-origin" });
        // Reload without "?notice=…": the news is the new status, not the old message.
        if (r.ok && (await r.json()).status !== shown) return window.location.replace(window.location.pathname);
      } catch (e) { /* offline for a moment: try again */ }
      setTimeout(poll, 3000);
    };
    setTimeout(poll, 3000);
  }
  // Destructive actions ask first.
  document.querySelectorAll("form[data-confirm]").forEach((form) =>
    form.addEventListener("submit", (e) => {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    })
  );
});
