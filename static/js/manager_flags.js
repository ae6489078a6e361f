// Draws the managers' "flags by reason" chart; a click on a bar filters the list to that reason.
(function () {
  const source = document.getElementById("flag-chart");
  const canvas = document.getElementById("flags-by-reason");
  if (!source || !canvas || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [{ label: "Flags", data: data.counts, backgroundColor: "#d68b6b" }],
    },
    options: {
      indexAxis: "y",
      animation: false,
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      onClick: (_event, elements) => {
        if (!elements.length) return;
        const params = new URLSearchParams(window.location.search);
        params.set("reason", data.reasons[elements[0].index]);
        params.delete("page");
        window.location.search = params.toString();
      },
    },
  });
})();
