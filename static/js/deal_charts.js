// Draws the deal page's three charts from the figures the server rendered as JSON.
(function () {
  const source = document.getElementById("deal-charts");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const num = (v) => Number(v);

  new Chart(document.getElementById("chart-breakdown"), {
    type: "bar",
    data: { labels: data.breakdown.labels, datasets: [{ label: "Monthly", data: data.breakdown.values.map(num),
      backgroundColor: ["#6b8fd6", "#d68b6b", "#2f9e6a"] }] },
    options: { plugins: { legend: { display: false } }, animation: false },
  });

  // Waterfall: floating bars from the running total down by each cost to the margin.
  const values = data.waterfall.values.map(num);
  let running = values[0];
  const bars = [[0, values[0]]];
  for (let i = 1; i < values.length - 1; i++) { bars.push([running - values[i], running]); running -= values[i]; }
  bars.push([0, values[values.length - 1]]);
  new Chart(document.getElementById("chart-waterfall"), {
    type: "bar",
    data: { labels: data.waterfall.labels, datasets: [{ label: "Monthly", data: bars,
      backgroundColor: bars.map((_, i) => (i === 0 ? "#6b8fd6" : i === bars.length - 1 ? "#2f9e6a" : "#d68b6b")) }] },
    options: { plugins: { legend: { display: false } }, animation: false },
  });

  const d = data.distribution;
  const edges = d.edges.map(num);
  new Chart(document.getElementById("chart-distribution"), {
    type: "bar",
    data: { labels: d.labels, datasets: [{ label: "Draws", data: d.counts,
      backgroundColor: d.counts.map((_, i) => (edges[i + 1] <= num(d.floor) ? "#d0574a" : "#6b8fd6")) }] },
    options: {
      animation: false,
      plugins: { legend: { display: false }, title: { display: true,
        text: d.caption } },
      scales: { x: { ticks: { maxRotation: 60, autoSkip: true } } },
    },
  });
})();
