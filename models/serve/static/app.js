// The page of `tensorgrad serve`: drawing, live prediction, feature maps, test-set explorer.
// Plain JavaScript, no library: everything comes from this server's /api.
"use strict";

const $ = (id) => document.getElementById(id);
const pad = $("pad");
const ink = pad.getContext("2d");
const DEBOUNCE_MS = 150; // while drawing, predict at most this often
const STROKE = 20; // pen width on the 280x280 pad: about MNIST's stroke once fitted into 20x20

let run = null; // the selected run's id
let strokes = []; // each a list of [x, y] points; undo drops the last one
let current = null;
let timer = null;
let sequence = 0; // answers to older requests are ignored

// -- the run selector ---------------------------------------------------------------------------
async function loadRuns() {
  const answer = await api("/api/runs");
  const select = $("run");
  for (const r of answer.runs) {
    const option = document.createElement("option");
    const accuracy = r.test_accuracy == null ? "" : ` · ${(100 * r.test_accuracy).toFixed(2)}%`;
    option.value = r.id;
    option.textContent = `${r.id} (${r.variant || r.model || "?"}${accuracy})`;
    select.append(option);
  }
  select.value = answer.default;
  select.addEventListener("change", () => selectRun(select.value));
  selectRun(answer.default);
}

function selectRun(id) {
  run = id;
  predictSoon(0);
  loadConfusion();
}

// -- drawing ------------------------------------------------------------------------------------
function point(event) {
  const box = pad.getBoundingClientRect();
  return [(event.clientX - box.left) * (pad.width / box.width),
          (event.clientY - box.top) * (pad.height / box.height)];
}

pad.addEventListener("pointerdown", (event) => {
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  current = [point(event)];
  strokes.push(current);
  redraw();
});
pad.addEventListener("pointermove", (event) => {
  if (!current) return;
  current.push(point(event));
  redraw();
  predictSoon(DEBOUNCE_MS);
});
for (const name of ["pointerup", "pointercancel"]) {
  pad.addEventListener(name, () => {
    if (!current) return;
    current = null;
    predictSoon(0);
  });
}
const undo = () => { strokes.pop(); redraw(); predictSoon(0); };
const clear = () => { strokes = []; redraw(); predictSoon(0); };
$("undo").addEventListener("click", undo);
$("clear").addEventListener("click", clear);
document.addEventListener("keydown", (event) => { // Ctrl+Z (Cmd+Z) undoes, Escape clears
  if ((event.ctrlKey || event.metaKey) && event.key === "z") { event.preventDefault(); undo(); }
  if (event.key === "Escape") clear();
});

function redraw() {
  ink.fillStyle = "#fff";
  ink.fillRect(0, 0, pad.width, pad.height);
  ink.strokeStyle = "#000";
  ink.fillStyle = "#000";
  ink.lineWidth = STROKE;
  ink.lineCap = "round";
  ink.lineJoin = "round";
  for (const stroke of strokes) {
    if (stroke.length === 1) { // a dot
      ink.beginPath();
      ink.arc(stroke[0][0], stroke[0][1], STROKE / 2, 0, 2 * Math.PI);
      ink.fill();
      continue;
    }
    ink.beginPath();
    ink.moveTo(...stroke[0]);
    for (const p of stroke.slice(1)) ink.lineTo(...p);
    ink.stroke();
  }
}

// -- prediction ---------------------------------------------------------------------------------
// <body data-busy> from a change until its answer is shown: tests wait for it to go
function predictSoon(delay) {
  clearTimeout(timer);
  document.body.dataset.busy = "waiting";
  timer = setTimeout(predictDrawing, delay);
}

function settle(mine) { // the latest request is answered and no other is due
  if (mine === sequence && document.body.dataset.busy === "asking") {
    delete document.body.dataset.busy;
  }
}

async function predictDrawing() {
  timer = null;
  if (strokes.length === 0) { showEmpty(); return; }
  const png = await new Promise((done) => pad.toBlob(done, "image/png"));
  await predict(png, "image/png", "your drawing");
}

async function predict(body, contentType, what) {
  const mine = ++sequence;
  if (timer === null) document.body.dataset.busy = "asking";
  try {
    const answer = await api(`/api/predict?run=${encodeURIComponent(run)}`,
                             { method: "POST", body, headers: { "Content-Type": contentType } });
    if (mine !== sequence) return;
    showAnswer(answer);
    setStatus(`${what}: ${answer.prediction}`);
  } catch (error) {
    if (mine === sequence) setStatus(error.message, true);
  } finally {
    settle(mine);
  }
}

function showEmpty() {
  const mine = ++sequence;
  if (timer === null) document.body.dataset.busy = "asking";
  $("prediction").textContent = "–";
  delete $("prediction").dataset.digit;
  renderBars(null);
  $("prepared").getContext("2d").clearRect(0, 0, 28, 28);
  $("features").innerHTML = "<p class=\"note\">Draw a digit to see them.</p>";
  setStatus("Draw a digit with the mouse or a finger.");
  settle(mine);
}

function showAnswer(answer) {
  $("prediction").textContent = answer.prediction;
  $("prediction").dataset.digit = answer.prediction;
  renderBars(answer.probabilities);
  paintGray($("prepared"), answer.input.flat().map((v) => v * 255), 28, 28);
  renderFeatures(answer.feature_maps || []);
}

function renderBars(probabilities) {
  const bars = $("bars");
  if (bars.children.length === 0) {
    for (let d = 0; d < 10; d++) {
      const row = document.createElement("div");
      row.className = "bar";
      row.dataset.digit = d;
      row.innerHTML = `<span>${d}</span><span class="track"><span class="fill"></span></span>` +
                      `<span class="pct"></span>`;
      bars.append(row);
    }
  }
  const top = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : -1;
  [...bars.children].forEach((row, d) => {
    const p = probabilities ? probabilities[d] : 0;
    row.classList.toggle("top", d === top);
    row.querySelector(".fill").style.width = `${(100 * p).toFixed(1)}%`;
    row.querySelector(".pct").textContent = probabilities ? `${(100 * p).toFixed(1)}%` : "";
  });
}

// -- feature maps -------------------------------------------------------------------------------
function renderFeatures(layers) {
  const figures = layers.map((layer) => {
    const [channels, height, width] = layer.shape;
    const levels = fromBase64(layer.data);
    const figure = document.createElement("figure");
    const caption = document.createElement("figcaption");
    caption.textContent = `${layer.layer}: ${channels} maps of ${height}×${width}`;
    const maps = document.createElement("div");
    maps.className = "maps";
    const zoom = Math.max(2, Math.round(56 / height));
    for (let c = 0; c < channels; c++) {
      const canvas = document.createElement("canvas");
      canvas.width = width;
      canvas.height = height;
      canvas.style.width = `${width * zoom}px`;
      canvas.style.height = `${height * zoom}px`;
      paintDiverging(canvas, levels.subarray(c * height * width, (c + 1) * height * width));
      maps.append(canvas);
    }
    figure.append(caption, maps);
    return figure;
  });
  $("features").replaceChildren(...figures);
}

function paintDiverging(canvas, levels) { // 0..255 with 127.5 as zero: blue < 0 < orange
  const context = canvas.getContext("2d");
  const image = context.createImageData(canvas.width, canvas.height);
  levels.forEach((v, i) => {
    const t = (v - 127.5) / 127.5;
    const a = Math.abs(t);
    const rgb = t >= 0 ? [255, 255 - 142 * a, 255 - 245 * a] : [255 - 230 * a, 255 - 140 * a, 255];
    image.data.set([...rgb, 255], 4 * i);
  });
  context.putImageData(image, 0, 0);
}

function paintGray(canvas, values, width, height) { // bright ink on black, as the model sees it
  const context = canvas.getContext("2d");
  const image = context.createImageData(width, height);
  values.forEach((v, i) => image.data.set([v, v, v, 255], 4 * i));
  context.putImageData(image, 0, 0);
}

// -- test-set explorer --------------------------------------------------------------------------
async function loadConfusion() {
  const table = $("confusion");
  table.replaceChildren();
  $("cell-images").replaceChildren();
  $("cell-title").textContent = "";
  $("explorer-status").textContent = "evaluating the test set…";
  let answer;
  try {
    answer = await api(`/api/confusion?run=${encodeURIComponent(run)}`);
  } catch (error) {
    $("explorer-status").textContent = error.message;
    return;
  }
  const cm = answer.confusion;
  const largestMistake = Math.max(1, ...cm.flatMap((row, t) => row.filter((_, p) => p !== t)));
  const header = table.insertRow();
  header.append(th("true \\ predicted"), ...cm.map((_, p) => th(p)));
  cm.forEach((row, t) => {
    const tr = table.insertRow();
    tr.append(th(t));
    row.forEach((count, p) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = count;
      button.dataset.true = t;
      button.dataset.predicted = p;
      button.disabled = count === 0;
      const strength = t === p ? 0.15 + 0.35 * (count > 0)
                               : count && 0.15 + 0.85 * Math.log1p(count) / Math.log1p(largestMistake);
      button.style.background = t === p ? `rgba(30, 142, 62, ${strength})`
                                        : `rgba(197, 34, 31, ${strength})`;
      button.addEventListener("click", () => showCell(t, p, button));
      tr.insertCell().append(button);
    });
  });
  $("explorer-status").textContent =
    `${answer.images.toLocaleString()} test images (${answer.dataset}), ` +
    `accuracy ${(100 * answer.accuracy).toFixed(2)}%`;
}

function th(text) {
  const cell = document.createElement("th");
  cell.textContent = text;
  return cell;
}

async function showCell(t, p, button) {
  document.querySelectorAll("#confusion button.selected")
    .forEach((b) => b.classList.remove("selected"));
  button.classList.add("selected");
  let answer;
  try {
    answer = await api(`/api/cell?run=${encodeURIComponent(run)}&true=${t}&predicted=${p}`);
  } catch (error) {
    $("cell-title").textContent = error.message;
    return;
  }
  const shown = answer.images.length;
  $("cell-title").textContent = `${answer.count} test image${answer.count === 1 ? "" : "s"} of a ` +
    `${t} predicted as ${p}` + (shown < answer.count ? `, the ${shown} most confident` : "") +
    ". Click one to see it through the network.";
  $("cell-images").replaceChildren(...answer.images.map(sample));
}

function sample(item) {
  const box = document.createElement("div");
  box.className = "sample";
  box.title = `test image ${item.index}`;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 28;
  const pixels = fromBase64(item.pixels);
  paintGray(canvas, pixels, 28, 28);
  const label = document.createElement("span");
  const right = item.prediction === item.label;
  label.className = right ? "right" : "wrong";
  label.textContent = `${item.prediction} ${(100 * item.probabilities[item.prediction]).toFixed(0)}%`;
  const index = document.createElement("span");
  index.textContent = `#${item.index}`;
  box.append(canvas, label, index);
  box.addEventListener("click", () => {
    strokes = [];
    redraw();
    const rows = [];
    for (let r = 0; r < 28; r++) rows.push([...pixels.subarray(28 * r, 28 * r + 28)].map((v) => v / 255));
    predict(JSON.stringify({ pixels: rows }), "application/json",
            `test image ${item.index} (a ${item.label})`);
  });
  return box;
}

// -- helpers ------------------------------------------------------------------------------------
async function api(url, options) {
  const response = await fetch(url, options);
  const answer = await response.json().catch(() => ({ error: `${response.status} from ${url}` }));
  if (!response.ok) throw new Error(answer.error || `${response.status} from ${url}`);
  return answer;
}

function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function setStatus(text, error = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", error);
}

redraw();
renderBars(null);
loadRuns().catch((error) => setStatus(error.message, true));
