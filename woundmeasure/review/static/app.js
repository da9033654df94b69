// woundmeasure review: the page on which a clinician checks and corrects the wound outlines of a
// photo series. Plain ES2020, no dependencies: it must run offline in a clinic.
'use strict';

const TOKEN = new URLSearchParams(location.search).get('token') ?? '';
const DASH = '–';
const MAX_SCALE = 16;            // screen px per photo px at the deepest zoom
const PIXELATED_FROM = 4;        // screen px per image px from which images are drawn as crisp blocks
const CONTOUR = '#00d8ff';
const FILL = 'rgba(0, 216, 255, 0.08)';
const RING = [[2, 0], [-2, 0], [0, 2], [0, -2], [1.4, 1.4], [1.4, -1.4], [-1.4, 1.4], [-1.4, -1.4]];
const NO_HINTS = Object.freeze({ points: [], background_points: [], box: null });

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- formatting and DOM helpers

function fmt(value, digits, unit = '') {
  return typeof value === 'number' && Number.isFinite(value) ? `${value.toFixed(digits)}${unit}` : DASH;
}

function text(value) {
  return value === null || value === undefined || value === '' ? DASH : String(value);
}

// el('td', {class: 'area'}, '12.0'): attributes, then children (strings or nodes; null is skipped).
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

// ---------------------------------------------------------------- status, busy, requests

let busyCount = 0;

async function withBusy(task) {
  busyCount += 1;
  document.body.dataset.busy = 'true';
  try {
    return await task();
  } finally {
    busyCount -= 1;
    document.body.dataset.busy = String(busyCount > 0);
  }
}

function setStatus(message, isError = false) {
  const status = $('status');
  status.textContent = message;
  status.classList.toggle('error', isError);
}

function showError(error) {
  // fetch() rejects with a TypeError when the server cannot be reached at all
  const message = error instanceof TypeError ? `Cannot reach the woundmeasure server (${error.message})` : error.message;
  setStatus(message, true);
}

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function withToken(path) {
  return `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(TOKEN)}`;
}

async function errorMessage(response) {
  try {
    return (await response.json()).error ?? `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status} ${response.statusText}`;
  }
}

function request(path, { method = 'GET', body, as = 'json' } = {}) {
  return withBusy(async () => {
    const headers = { 'X-Woundmeasure-Token': TOKEN };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, {
      method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new ApiError(response.status, await errorMessage(response));
    return as === 'blob' ? response.blob() : response.json();
  });
}

function visitPath(id, action) {
  return `/api/visits/${encodeURIComponent(id)}/${action}`;
}

function loadImage(src) {
  return withBusy(() => new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error(`Could not load ${src.split('?')[0]}`));
    image.src = src;
  }));
}

// ---------------------------------------------------------------- application state

const app = {
  series: null,
  woundIndex: 0,
  figureVersion: 0,
  drafts: new Map(),   // visit id -> {history, at, photo, wound}: unsaved edits survive moving to another visit
  photos: new Map(),   // photo path -> Promise<HTMLImageElement>
};

function currentWound() {
  return app.series?.wounds[app.woundIndex] ?? null;
}

function findVisit(id) {
  for (const [index, wound] of (app.series?.wounds ?? []).entries()) {
    const visit = wound.visits.find((candidate) => candidate.id === id);
    if (visit) return { visit, woundIndex: index };
  }
  return null;
}

function neighbourVisitId(id, step) {
  const visits = currentWound()?.visits ?? [];
  const index = visits.findIndex((visit) => visit.id === id);
  return visits[index + step]?.id ?? null;
}

// A visit as the series names it now: ids are places in the series, and a split, merge or name moves them.
function sameVisit(photo, wound) {
  for (const candidate of app.series.wounds) {
    const visit = candidate.visits.find((v) => v.photo === photo && v.wound === wound);
    if (visit) return visit;
  }
  return null;
}

// What the page saw of a visit, sent with every change: the server refuses a change of another photo or wound
// than the page shows, or of what the change overwrites where it was changed since (in another tab).
function seenAs(visit) {
  return { photo: visit.photo, wound: visit.wound, states: visit.states };
}

function applySeries(series) {
  app.series = series;
  app.woundIndex = Math.max(0, Math.min(app.woundIndex, series.wounds.length - 1));
  const drafts = [...app.drafts.values()];
  app.drafts = new Map();
  const lost = [];
  for (const draft of drafts) {   // each unsaved edit stays with its own photo and wound, wherever they now are
    const visit = sameVisit(draft.photo, draft.wound);
    if (visit) app.drafts.set(visit.id, draft);
    else lost.push(`${draft.wound} in ${draft.photo.split(/[\\/]/).pop()}`);
  }
  if (editor.visit) editor.visit = sameVisit(editor.visit.photo, editor.visit.wound) ?? editor.visit;
  renderHeader();
  renderWound();
  return lost.length ? `Unsaved edits of ${lost.join(', ')} were dropped: that wound is no longer in that photo. ` : '';
}

// ---------------------------------------------------------------- header, table, summary, figures

function renderHeader() {
  const { series } = app;
  $('patient').textContent = text(series.patient);
  $('source').textContent = text(series.source);
  $('source').title = series.source ?? '';
  const picker = $('wound');
  picker.replaceChildren(...series.wounds.map((wound, index) => el('option', { value: index }, text(wound.wound))));
  picker.value = String(app.woundIndex);
  picker.closest('.wound-picker').hidden = series.wounds.length < 2;
}

function renderWound() {
  renderTable();
  renderSummary();
  reloadFigures();
  renderVisitInfo();
}

function scaleText(calibration) {
  return calibration ? `${calibration.method} ${fmt(calibration.px_per_mm, 2)}` : DASH;
}

function notesCell(visit) {
  const cell = el('td', { class: 'notes' });
  if (visit.excluded) cell.append(el('div', { class: 'excluded-reason' }, `Excluded: ${visit.excluded}`));
  if (visit.error) cell.append(el('div', { class: 'error' }, visit.error));
  for (const warning of visit.warnings ?? []) cell.append(el('div', { class: 'warning' }, warning));
  if (visit.note) cell.append(el('div', { class: 'note' }, visit.note));
  return cell;
}

// a 95% interval "low–high" (a dash when there is none; an open end as "…")
function fmtRange(low, high, digits, joiner = '–') {
  if (typeof low !== 'number' && typeof high !== 'number') return DASH;  // no interval: a lone dash
  const end = (v) => (typeof v === 'number' ? v.toFixed(digits) : '…');
  return `${end(low)}${joiner}${end(high)}`;
}

// beside the area: how it changed since the previous visit, against both visits' noise
const CHANGE_MARK = { true: '*', false: '~' };
const CHANGE_TITLE = {
  true: 'the change since the previous visit exceeds the measurement noise',
  false: 'the change since the previous visit cannot be told from the measurement noise',
};

function visitRow(visit) {
  const row = el('tr', { 'data-visit-id': visit.id, title: text(visit.image) },
    el('td', { class: 'date' }, text(visit.date)),
    el('td', { class: 'day num' }, text(visit.day)),
    el('td', { class: 'area num' }, fmt(visit.area_mm2, 1)),
    el('td', { class: 'interval num' }, fmtRange(visit.area_mm2_low, visit.area_mm2_high, 1)),
    el('td', { class: 'change', title: CHANGE_TITLE[visit.change_beyond_noise] ?? '' },
      CHANGE_MARK[visit.change_beyond_noise] ?? ''),
    el('td', { class: 'cm2 num' }, fmt(visit.area_cm2, 2)),
    el('td', { class: 'par num' }, fmt(visit.par_pct, 1)),
    el('td', { class: 'par-interval num' }, fmtRange(visit.par_pct_low, visit.par_pct_high, 1, ' to ')),
    el('td', { class: 'scale' }, scaleText(visit.calibration)),
    el('td', { class: 'outline' }, text(visit.outline)),
    notesCell(visit));
  row.classList.toggle('excluded', Boolean(visit.excluded));
  row.classList.toggle('selected', visit.id === editor.visit?.id);
  return row;
}

function renderTable() {
  const rows = (currentWound()?.visits ?? []).map(visitRow);
  $('visits').tBodies[0].replaceChildren(...rows);
}

function markSelectedRow() {
  // the row is scrolled into view inside the series pane; where the panes stack (a narrow window) the
  // page itself would scroll, taking the editor away from under the person's eyes
  const paneScrolls = getComputedStyle(document.querySelector('.side-pane')).overflowY !== 'visible';
  for (const row of $('visits').tBodies[0].rows) {
    const selected = row.dataset.visitId === editor.visit?.id;
    row.classList.toggle('selected', selected);
    if (selected && paneScrolls) row.scrollIntoView({ block: 'nearest' });
  }
}

function thresholdText(summary) {
  const threshold = `${text(summary.threshold_pct ?? app.series.threshold_pct)}%`;
  if (summary.verdict_4wk === 'met') return el('span', { class: 'ok' }, `meets the ${threshold} threshold`);
  if (summary.verdict_4wk === 'not met') return el('span', { class: 'below' }, `below the ${threshold} threshold`);
  if (summary.meets_4wk_threshold === null) return null;
  return el('span', { class: 'below' }, `${summary.verdict_4wk} of ${threshold}`);   // its interval spans it
}

function summaryRow(term, ...details) {
  return [el('dt', {}, term), el('dd', {}, ...details)];
}

function renderSummary() {
  const box = $('summary');
  const summary = currentWound()?.summary;
  if (!summary) {
    box.replaceChildren(el('p', {}, 'No wound in this series.'));
    return;
  }
  const exponential = summary.projected_closure_date_exponential;
  const parts = [
    // the number alone in #summary-par, so that it reads back as a number
    el('div', { class: 'headline' }, 'PAR at latest visit ', el('b', { id: 'summary-par' }, fmt(summary.par_pct, 1)),
      typeof summary.par_pct === 'number' ? el('b', { class: 'unit' }, '%') : null,
      el('span', { class: 'muted' }, ` ${text(summary.latest_date)}`),
      typeof summary.par_pct_high === 'number' ? el('span', { class: 'muted', id: 'summary-par-interval' },
        ` · 95% interval ${fmtRange(summary.par_pct_low, summary.par_pct_high, 1, ' to ')}%`) : null),
    el('dl', {},
      ...summaryRow('4-week PAR', `${fmt(summary.par_4wk_pct, 1, '%')} `, thresholdText(summary)),
      ...summaryRow('Baseline', `${text(summary.baseline_date)} · ${fmt(summary.baseline_area_mm2, 1, ' mm²')}`),
      ...summaryRow('Latest', `${text(summary.latest_date)} · ${fmt(summary.latest_area_mm2, 1, ' mm²')} · ${text(summary.days)} days`),
      ...summaryRow('Healing rate', `${fmt(summary.healing_rate_cm2_per_week, 2, ' cm²/week')} · Gilman ${fmt(summary.gilman_mm_per_week, 2, ' mm/week')}`),
      ...summaryRow('Projected closure', text(summary.projected_closure_date),
        exponential ? ` (exponential fit: ${exponential})` : null),
      ...summaryRow('Visits', `${text(summary.measured_visits)} measured of ${text(summary.visits)} · ${text(summary.failed_visits)} failed`)),
    summary.projection_note ? el('p', { class: 'muted' }, summary.projection_note) : null,
    ...(summary.warnings ?? []).map((warning) => el('p', { class: 'warning' }, warning)),
  ];
  box.replaceChildren(...parts.filter(Boolean));
}

// A figure asked for again before it loaded: the browser drops the first request without an event,
// so its wait is ended here (or the page would stay busy).
const figureWaits = new Map();

function showFigure(image, path) {
  figureWaits.get(image)?.();
  return withBusy(() => new Promise((resolve) => {
    const done = () => {
      figureWaits.delete(image);
      resolve();
    };
    figureWaits.set(image, done);
    image.onload = image.onerror = () => {
      image.closest('figure').classList.toggle('missing', image.naturalWidth === 0);
      done();
    };
    image.src = withToken(path);
  }));
}

// The plot and the strip change with every accept/reset/exclude: the version defeats the browser cache.
function reloadFigures() {
  app.figureVersion += 1;
  const base = `/api/wounds/${app.woundIndex}`;
  showFigure($('plot'), `${base}/plot.png?v=${app.figureVersion}`);
  showFigure($('strip'), `${base}/strip.png?v=${app.figureVersion}`);
}

// ---------------------------------------------------------------- editor state

const canvas = $('editor');
const ctx = canvas.getContext('2d');
// The translucent fill and the contour, at screen resolution, recomputed only when the mask or the view change.
const overlay = document.createElement('canvas');
const scratch = document.createElement('canvas');
let pixelRatio = 1;

// A working state is immutable: the hints so far, the PNG the outline starts from (the saved outline
// or the last /segment answer; null = empty) and the brush strokes painted on it since.
// history[0] is the saved outline; undo/redo move `at` along the history.
const editor = {
  visit: null,
  photo: null,
  width: 0,
  height: 0,
  history: [],
  at: 0,
  mask: null,              // the working mask: full photo size, white where wound (alpha = wound)
  pending: null,           // hints of a /segment request in flight
  segmentSeq: 0,
  segmenting: Promise.resolve(),
  openSeq: 0,
  stateSeq: 0,
  view: { scale: 1, x: 0, y: 0 },   // canvas px = photo px * scale + (x, y)
  tool: 'click',
  spaceHeld: false,
  gesture: null,
  hover: null,
  overlayStale: true,
};

function currentState() {
  return editor.history[editor.at] ?? null;
}

function makeCanvas(width, height) {
  const result = document.createElement('canvas');
  result.width = width;
  result.height = height;
  return result;
}

// The server's masks are white-on-black PNGs; the editor keeps wound as alpha so it can be composited.
async function decodeMask(png, width, height) {
  const mask = makeCanvas(width, height);
  if (!png) return mask;
  const bitmap = await createImageBitmap(png);
  const g = mask.getContext('2d', { willReadFrequently: true });
  g.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const pixels = g.getImageData(0, 0, width, height);
  const data = pixels.data;
  for (let i = 0; i < data.length; i += 4) {
    data[i + 3] = data[i] > 127 ? 255 : 0;
    data[i] = data[i + 1] = data[i + 2] = 255;
  }
  g.putImageData(pixels, 0, 0);
  return mask;
}

// The decoded PNG of the latest state, so undoing a brush stroke only replays strokes.
let decoded = { png: undefined, canvas: null };

async function buildMask(state, width, height) {
  const reusable = decoded.png === state.png && decoded.canvas?.width === width && decoded.canvas?.height === height;
  const base = reusable ? decoded.canvas : await decodeMask(state.png, width, height);
  decoded = { png: state.png, canvas: base };
  const mask = makeCanvas(width, height);
  const g = mask.getContext('2d');
  g.drawImage(base, 0, 0);
  for (const stroke of state.strokes) drawStroke(g, stroke);
  return mask;
}

// Draws the stroke's points from index `from` on (0: all of it; later only the newest segment).
function drawStroke(g, stroke, from = 0) {
  const points = stroke.points.slice(Math.max(0, from - 1));
  g.save();
  g.globalCompositeOperation = stroke.erase ? 'destination-out' : 'source-over';
  g.strokeStyle = '#fff';
  g.lineWidth = stroke.radius * 2;
  g.lineCap = g.lineJoin = 'round';
  g.beginPath();
  g.moveTo(points[0][0], points[0][1]);
  // a zero-length segment would draw nothing: nudge it so a single click paints a dot
  if (points.length === 1) g.lineTo(points[0][0] + 0.01, points[0][1]);
  for (const [x, y] of points.slice(1)) g.lineTo(x, y);
  g.stroke();
  g.restore();
}

async function showState() {
  const seq = ++editor.stateSeq;
  const mask = await withBusy(() => buildMask(currentState(), editor.width, editor.height));
  if (seq !== editor.stateSeq) return;
  editor.mask = mask;
  editor.overlayStale = true;
  draw();
  renderVisitInfo();
}

function commit(state) {
  editor.history = [...editor.history.slice(0, editor.at + 1), state];
  editor.at = editor.history.length - 1;
  return showState();
}

function undo() {
  if (editor.pending) {
    cancelSegment();
    setStatus('Hint withdrawn.');
  } else if (editor.at > 0) {
    editor.at -= 1;
    showState();
  }
}

function redo() {
  if (editor.at < editor.history.length - 1) {
    editor.at += 1;
    showState();
  }
}

// ---------------------------------------------------------------- opening a visit

function loadPhoto(visit) {
  if (!app.photos.has(visit.photo)) {
    const photo = loadImage(withToken(visitPath(visit.id, 'photo')));
    photo.catch(() => app.photos.delete(visit.photo));   // let a later attempt try again
    app.photos.set(visit.photo, photo);
  }
  return app.photos.get(visit.photo);
}

async function fetchOutline(visit) {
  try {
    return await request(visitPath(visit.id, 'outline'), { as: 'blob' });
  } catch (error) {
    if (error.status === 404) return null;   // a failed visit has no outline yet
    throw error;
  }
}

// The saved state starts from the clicks and box the saved outline was steered by: a new click adds to them.
function savedHints(visit) {
  const saved = visit.hints;
  if (!saved) return NO_HINTS;
  return { points: saved.points ?? [], background_points: saved.background_points ?? [], box: saved.box ?? null };
}

async function loadDraft(visit) {
  return app.drafts.get(visit.id)
    ?? { history: [{ hints: savedHints(visit), png: await fetchOutline(visit), strokes: [], area_mm2: null }], at: 0 };
}

function keepDraft() {
  if (!editor.visit || !editor.history.length) return;
  if (editor.at > 0) {
    app.drafts.set(editor.visit.id, { history: editor.history, at: editor.at, photo: editor.visit.photo,
      wound: editor.visit.wound });
  }
  else app.drafts.delete(editor.visit.id);
}

function openVisit(id) {
  const found = findVisit(id);
  if (!found) return Promise.reject(new Error(`No visit ${id} in this series`));
  keepDraft();
  cancelSegment();
  closeForms();
  const seq = ++editor.openSeq;
  editor.stateSeq += 1;   // a showState still decoding belongs to the previous visit
  Object.assign(editor, { visit: found.visit, photo: null, mask: null, history: [], at: 0, gesture: null, split: [] });
  if (found.woundIndex !== app.woundIndex) {
    app.woundIndex = found.woundIndex;
    $('wound').value = String(found.woundIndex);
    renderWound();
  }
  markSelectedRow();
  renderVisitInfo();
  draw();
  setStatus(`Loading ${visitLabel(found.visit)}…`);
  return withBusy(async () => {
    const visit = found.visit;
    try {
      const [photo, draft] = await Promise.all([loadPhoto(visit), loadDraft(visit)]);
      const width = visit.width_px ?? photo.naturalWidth;
      const height = visit.height_px ?? photo.naturalHeight;
      const mask = await buildMask(draft.history[draft.at], width, height);
      if (seq !== editor.openSeq) return;   // the clinician has moved on to another visit
      Object.assign(editor, { photo, width, height, mask, history: draft.history, at: draft.at });
      viewWound();
      draw();
      renderVisitInfo();
      setStatus(...openingMessage(editor.visit));
    } catch (error) {
      if (seq === editor.openSeq) throw error;
    }
  });
}

// A click's outline still on its way is waited for: leaving the visit would drop the click.
async function selectVisit(id) {
  if (editor.pending) await editor.segmenting;
  return openVisit(id).catch(showError);
}

function visitLabel(visit) {
  const visits = currentWound()?.visits ?? [];
  const position = visits.findIndex((candidate) => candidate.id === visit.id) + 1;
  return `visit ${position} of ${visits.length} (${text(visit.date)})`;
}

function openingMessage(visit) {
  if (visit.no_scale) {
    return ['No scale was found in this photo, so it has no area. An outline corrected here is kept and measured once '
      + 'a scale is given: a px_per_mm column in a manifest, or --px-per-mm when starting the review.', true];
  }
  if (visit.outside) {
    return [`${visit.error}: where the other wounds put it. If it is in the photo and healed, confirm it closed; `
      + 'if it is there and open, outline it.', true];
  }
  if (visit.error) return [`${visit.error}. Click on the wound or drag a box to outline it.`, true];
  if (visit.closed && !visit.closed_confirmed) {
    const where = visit.expected?.length ? ' where the dashed rings show' : '';
    return [`The wound was not found${where} in ${visitLabel(visit)}: closed? Confirm it, or outline it if it is still there.`, true];
  }
  return [`Review the outline of ${visitLabel(visit)}: click to correct it, A to accept.`, false];
}

function renderVisitInfo() {
  const { visit } = editor;
  $('visit-title').textContent = visit
    ? `${text(visit.date)} · day ${text(visit.day)} · ${text(visit.image)} · outline: ${text(visit.outline)}`
    : DASH;
  $('working').textContent = visit ? workingText() : '';
  $('working').classList.toggle('unsaved', editor.at > 0);
  $('confirm-closed').hidden = !(visit?.closed || visit?.outside);
  $('confirm-closed').textContent = visit?.closed_confirmed ? 'Closure confirmed ✓' : 'Confirm closed';
  $('name-wound').disabled = !visit || Boolean(visit.error) || Boolean(visit.closed);
  $('undo').disabled = editor.at === 0 && !editor.pending;
  $('redo').disabled = editor.at >= editor.history.length - 1;
}

function workingText() {
  const state = currentState();
  if (!state) return '';
  if (editor.at === 0) return state.png ? `saved: ${fmt(editor.visit.area_mm2, 1, ' mm²')}` : 'no outline yet';
  if (state.strokes.length) return 'unsaved hand edits: accept to measure';
  if (editor.visit.no_scale) return 'unsaved: no area without a scale';
  return `unsaved: ${fmt(state.area_mm2, 1, ' mm²')}`;
}

// ---------------------------------------------------------------- hints and /segment

function cancelSegment() {
  editor.segmentSeq += 1;
  editor.pending = null;
  renderVisitInfo();
  draw();
}

function requestSegment(hints) {
  const seq = ++editor.segmentSeq;
  const { visit } = editor;
  editor.pending = { hints };
  renderVisitInfo();
  draw();
  setStatus('Segmenting…');
  const { photo, wound } = visit;
  editor.segmenting = request(visitPath(visit.id, 'segment'), { method: 'POST', body: { ...hints, photo, wound } })
    .then(async (answer) => {
      if (seq !== editor.segmentSeq) return;   // superseded by a newer hint, an undo or another visit
      const png = base64ToBlob(answer.mask_png, 'image/png');
      editor.pending = null;
      await commit({ hints, png, strokes: [], area_mm2: answer.area_mm2 });
      setStatus(`New outline: ${fmt(answer.area_mm2, 1, ' mm²')}. Add hints, or A to accept.`);
    })
    .catch((error) => {
      if (seq !== editor.segmentSeq) return;
      editor.pending = null;
      renderVisitInfo();
      draw();
      showError(error);
      if (error.status === 409) reloadSeries();
    });
}

// Each new hint builds on the hints of a request still in flight, so quick clicks are not lost.
function addHint(change) {
  const hints = editor.pending?.hints ?? currentState().hints;
  requestSegment(change(hints));
}

function base64ToBlob(base64, type) {
  const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  return new Blob([bytes], { type });
}

// ---------------------------------------------------------------- visit actions

// A white-on-black PNG at full photo size; brush edges are anti-aliased, so threshold them to pure black/white.
function maskAsPngBase64() {
  const { width, height } = editor;
  const out = makeCanvas(width, height);
  const g = out.getContext('2d', { willReadFrequently: true });
  g.fillStyle = '#000';
  g.fillRect(0, 0, width, height);
  g.drawImage(editor.mask, 0, 0);
  const pixels = g.getImageData(0, 0, width, height);
  const data = pixels.data;
  for (let i = 0; i < data.length; i += 4) data[i] = data[i + 1] = data[i + 2] = data[i] > 127 ? 255 : 0;
  g.putImageData(pixels, 0, 0);
  return out.toDataURL('image/png').slice('data:image/png;base64,'.length);
}

// POSTs an action for the open visit and hands the new series to `run`; resolves to whether it worked.
function visitAction(action, body, run) {
  const { visit } = editor;
  if (!visit) return Promise.resolve(false);
  if (app.acting) {   // one change at a time: a second press would send what the first is changing
    setStatus('The last change is still being saved: try again in a moment.', true);
    return Promise.resolve(false);
  }
  app.acting = true;
  return withBusy(async () => {
    try {
      const sent = { method: 'POST', body: { ...body, ...seenAs(visit) } };
      await run(visit, await request(visitPath(visit.id, action), sent));
      return true;
    } catch (error) {
      showError(error);
      if (error.status === 409) await reloadSeries();
      return false;
    } finally {
      app.acting = false;
    }
  });
}

// The series as it is now (another tab changed it, or this page's view of it was out of date): the open
// visit's unsaved edit is kept as a draft of its own photo and wound, and the visit opened again.
async function reloadSeries() {
  keepDraft();
  const open = editor.visit;
  const lost = applySeries(await request('/api/series'));
  const again = open && sameVisit(open.photo, open.wound);
  if (again) await openVisit(again.id);
  if (lost) setStatus(lost, true);
}

async function accept() {
  if (!editor.mask) return;
  const asked = editor.visit;
  await editor.segmenting;   // accept the outline the clinician asked for, not the one before it
  if (editor.visit?.photo !== asked.photo || editor.visit?.wound !== asked.wound) {   // moved on meanwhile
    setStatus(`Not accepted: ${text(asked.date)} was left before its outline came back. Its edit is kept.`, true);
    return;
  }
  const { hints } = currentState();
  const body = { mask_png: maskAsPngBase64(), ...hints };
  await visitAction('accept', body, async (visit, series) => {
    app.drafts.delete(visit.id);
    editor.history = [];   // saved now: nothing to keep as a draft
    const elsewhere = changedElsewhere(app.series, series, visit);
    const dropped = dropDraftsOfPhoto(visit) + applySeries(series) + elsewhere;
    const accepted = sameVisit(visit.photo, visit.wound) ?? visit;
    await openVisit(neighbourVisitId(accepted.id, 1) ?? accepted.id);
    setStatus(`Accepted ${text(accepted.date)}: ${fmt(accepted.area_mm2, 1, ' mm²')}. ${dropped}`
      + openingMessage(editor.visit)[0]);
  });
}

// Other visits whose area a change moved (the series is followed again: a wound looked for where this one was
// seen, a match made otherwise), said with the change so that none moves unseen.
function changedElsewhere(before, after, visit) {
  const areas = new Map();
  for (const wound of before.wounds) for (const v of wound.visits) areas.set(`${v.wound}|${v.photo}`, v.area_mm2);
  const moved = [];
  for (const wound of after.wounds) {
    for (const v of wound.visits) {
      const was = areas.get(`${v.wound}|${v.photo}`);
      if (v.photo === visit.photo && v.wound === visit.wound) continue;
      if (was === undefined || was === v.area_mm2) continue;
      if (was !== null && v.area_mm2 !== null && Math.abs(v.area_mm2 - was) < 0.05) continue;
      moved.push(`${v.wound} ${text(v.date)} ${fmt(was, 1)} → ${fmt(v.area_mm2, 1, ' mm²')}`);
    }
  }
  return moved.length ? `Also changed: ${moved.join('; ')}. ` : '';
}

// The outline is the photo's: once it changes, an unsaved edit of another wound of the photo starts from an
// outline that is gone, and accepting it would undo the change. Such edits are dropped, and said so.
function dropDraftsOfPhoto(visit) {
  const wounds = [];
  for (const wound of app.series?.wounds ?? []) {
    for (const other of wound.visits) {
      if (other.id !== visit.id && other.photo === visit.photo && app.drafts.delete(other.id)) wounds.push(wound.wound);
    }
  }
  return wounds.length ? `Unsaved edits of wound ${wounds.join(', ')} on this photo were dropped: its outline changed. ` : '';
}

// The outline is the photo's: resetting it on one wound's visit resets every wound of that photo.
function otherWoundsOfPhoto(visit) {
  return (app.series?.wounds ?? [])
    .filter((wound) => wound.visits.some((other) => other.id !== visit.id && other.photo === visit.photo
      && !other.closed && !other.error))
    .map((wound) => wound.wound);
}

function reset() {
  const others = editor.visit ? otherWoundsOfPhoto(editor.visit) : [];
  if (others.length && !window.confirm(`Reset puts the whole photo ${editor.visit.image} back to its automatic `
      + `outline, wound ${others.join(', ')} too. Names, splits and confirmed closures stay. Reset?`)) {
    return Promise.resolve(false);
  }
  return visitAction('reset', undefined, async (visit, series) => {
    app.drafts.delete(visit.id);
    editor.history = [];
    const elsewhere = changedElsewhere(app.series, series, visit);
    const dropped = dropDraftsOfPhoto(visit) + applySeries(series) + elsewhere;
    await openVisit((sameVisit(visit.photo, visit.wound) ?? visit).id);
    setStatus(`${text(visit.date)} is back to the automatic outline. ${dropped}`);
  });
}

function saveExclusion(reason) {
  return visitAction('exclude', { reason }, (visit, series) => {
    applySeries(series);
    setStatus(reason ? `${text(visit.date)} excluded: ${reason}` : `${text(visit.date)} included again.`);
  });
}

function saveNote(note) {
  return visitAction('note', { note }, (visit, series) => {
    applySeries(series);
    setStatus(`Note saved for ${text(visit.date)}.`);
  });
}

function saveName(name) {
  const before = app.series.wounds.find((wound) => wound.wound === name);
  const both = name !== editor.visit?.wound
    && before?.visits.some((other) => other.photo === editor.visit?.photo && !other.closed && !other.error);
  return visitAction('name', { name }, async (visit, series) => {
    if (!before) {   // a new name renames the wound at every visit: its unsaved edits go with it
      keepDraft();
      for (const draft of app.drafts.values()) if (draft.wound === visit.wound) draft.wound = name;
      if (editor.visit?.wound === visit.wound) editor.visit = { ...editor.visit, wound: name };
    }
    const lost = applySeries(series)
      + (both ? `The wound that was ${name} in this photo has another letter now: if the two are one wound, `
        + `name it ${name} too. ` : '');
    const index = series.wounds.findIndex((wound) => wound.wound === name);
    const named = series.wounds[index]?.visits.find((candidate) => candidate.image === visit.image);
    if (named) {
      app.woundIndex = index;
      renderHeader();
      renderWound();
      await openVisit(named.id);
    }
    setStatus(`The wound in ${text(visit.image)} is now ${name}. ${lost}`);
  });
}

function confirmClosed() {
  const confirmed = !editor.visit?.closed_confirmed;
  return visitAction('closed', { confirmed }, (visit, series) => {
    applySeries(series);
    renderVisitInfo();
    setStatus(confirmed ? `${text(visit.date)}: closure confirmed.` : `${text(visit.date)}: closure no longer confirmed.`);
  });
}

function step(direction) {
  const id = editor.visit && neighbourVisitId(editor.visit.id, direction);
  if (id) selectVisit(id);
}

// ---------------------------------------------------------------- view: coordinates, zoom, pan

function toCanvas(x, y) {
  const { scale, x: dx, y: dy } = editor.view;
  return [x * scale + dx, y * scale + dy];
}

function toPhoto(cx, cy) {
  const { scale, x, y } = editor.view;
  return [(cx - x) / scale, (cy - y) / scale];
}

function canvasPoint(event) {
  const rect = canvas.getBoundingClientRect();
  return [event.clientX - rect.left, event.clientY - rect.top];
}

function toClient(x, y) {
  const rect = canvas.getBoundingClientRect();
  const [cx, cy] = toCanvas(x, y);
  return [rect.left + cx, rect.top + cy];
}

function viewChanged() {
  editor.overlayStale = true;
  $('zoom').textContent = editor.photo ? `zoom ${Math.round(editor.view.scale * 100)}%` : '';
  requestDraw();
}

function fitRect(x, y, width, height) {
  const scale = Math.min(canvas.clientWidth / width, canvas.clientHeight / height, MAX_SCALE);
  editor.view = {
    scale,
    x: (canvas.clientWidth - width * scale) / 2 - x * scale,
    y: (canvas.clientHeight - height * scale) / 2 - y * scale,
  };
  viewChanged();
}

function viewPhoto() {
  if (editor.photo) fitRect(0, 0, editor.width, editor.height);
}

function viewWound() {
  const box = editor.visit?.wound_box;
  if (!box) return viewPhoto();
  const [x, y, width, height] = box;
  const margin = Math.max(width, height) * 0.6 + 20;
  return fitRect(x - margin, y - margin, width + 2 * margin, height + 2 * margin);
}

function zoomAt(cx, cy, factor) {
  const view = editor.view;
  const fitScale = Math.min(canvas.clientWidth / editor.width, canvas.clientHeight / editor.height);
  const scale = Math.min(MAX_SCALE, Math.max(fitScale / 2, view.scale * factor));
  editor.view = {
    scale,
    x: cx - (cx - view.x) * (scale / view.scale),
    y: cy - (cy - view.y) * (scale / view.scale),
  };
  viewChanged();
}

function resizeCanvas() {
  pixelRatio = window.devicePixelRatio || 1;
  for (const target of [canvas, overlay, scratch]) {
    target.width = Math.round(canvas.clientWidth * pixelRatio);
    target.height = Math.round(canvas.clientHeight * pixelRatio);
  }
  editor.overlayStale = true;
  draw();
}

// ---------------------------------------------------------------- drawing

let drawRequested = false;

function requestDraw() {
  if (drawRequested) return;
  drawRequested = true;
  requestAnimationFrame(() => {
    drawRequested = false;
    draw();
  });
}

function draw() {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!editor.photo) return;
  ctx.setTransform(pixelRatio, 0, 0, pixelRatio, 0, 0);
  const { scale, x, y } = editor.view;
  // zoomed far in the clinician is inspecting the edge: show the photo's own pixels, not a blur
  ctx.imageSmoothingEnabled = (scale * editor.width) / editor.photo.naturalWidth < PIXELATED_FROM;
  ctx.drawImage(editor.photo, x, y, editor.width * scale, editor.height * scale);
  if (editor.mask) drawOutline();
  drawExpected(editor.visit?.expected ?? []);
  drawHints(editor.pending?.hints ?? currentState()?.hints ?? NO_HINTS);
  for (const point of editor.split ?? []) drawMarker(point, '#6d3fc0', true);   // the split's first click
  drawGesture();
  drawBrushCursor();
}

function drawOutline() {
  if (editor.overlayStale) paintOverlay();
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(overlay, 0, 0);
  ctx.restore();
}

function drawMaskInView(g, dx = 0, dy = 0) {
  const { scale, x, y } = editor.view;
  g.drawImage(editor.mask, x + dx, y + dy, editor.width * scale, editor.height * scale);
}

function clearLayer(g) {
  g.setTransform(1, 0, 0, 1, 0, 0);
  g.globalCompositeOperation = 'source-over';
  g.clearRect(0, 0, g.canvas.width, g.canvas.height);
  g.setTransform(pixelRatio, 0, 0, pixelRatio, 0, 0);
  g.imageSmoothingEnabled = editor.view.scale < PIXELATED_FROM;
}

// The contour is the mask shifted 2 px in eight directions minus the mask itself: a ring just outside
// the wound edge, equally crisp at every zoom, built from a few image draws instead of a pixel loop.
function paintOverlay() {
  const fill = overlay.getContext('2d');
  const ring = scratch.getContext('2d');
  clearLayer(fill);
  clearLayer(ring);
  drawMaskInView(fill);
  fill.globalCompositeOperation = 'source-in';
  fill.fillStyle = FILL;
  fill.fillRect(0, 0, canvas.clientWidth, canvas.clientHeight);

  for (const [dx, dy] of RING) drawMaskInView(ring, dx, dy);
  ring.globalCompositeOperation = 'destination-out';
  drawMaskInView(ring);
  ring.globalCompositeOperation = 'source-in';
  ring.fillStyle = CONTOUR;
  ring.fillRect(0, 0, canvas.clientWidth, canvas.clientHeight);

  fill.globalCompositeOperation = 'source-over';
  fill.setTransform(1, 0, 0, 1, 0, 0);
  fill.shadowColor = 'rgba(0, 0, 0, 0.8)';   // a dark halo keeps the line visible on pale skin
  fill.shadowBlur = 2 * pixelRatio;
  fill.drawImage(scratch, 0, 0);
  fill.shadowColor = 'transparent';
  editor.overlayStale = false;
}

function drawMarker([px, py], colour, isPlus) {
  const [x, y] = toCanvas(px, py);
  ctx.beginPath();
  ctx.arc(x, y, 7, 0, 2 * Math.PI);
  ctx.fillStyle = colour;
  ctx.fill();
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 1.5;
  ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(x - 4, y);
  ctx.lineTo(x + 4, y);
  if (isPlus) {
    ctx.moveTo(x, y - 4);
    ctx.lineTo(x, y + 4);
  }
  ctx.lineWidth = 2;
  ctx.stroke();
}

function drawPhotoRect([x, y, width, height]) {
  const [left, top] = toCanvas(x, y);
  const { scale } = editor.view;
  ctx.save();
  ctx.lineWidth = 3;
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.6)';
  ctx.strokeRect(left, top, width * scale, height * scale);
  ctx.setLineDash([6, 4]);
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = '#ffd43b';
  ctx.strokeRect(left, top, width * scale, height * scale);
  ctx.restore();
}

// where a wound that was not found was looked for: a dashed ring, so that a person confirming the
// closure sees where the tool looked (and does not take another wound's outline for it)
function drawExpected(places) {
  const { scale } = editor.view;
  for (const [px, py, radius] of places) {
    const [x, y] = toCanvas(px, py);
    ctx.save();
    ctx.setLineDash([8, 6]);
    ctx.lineWidth = 2;
    ctx.strokeStyle = '#ff8c00';
    ctx.beginPath();
    ctx.arc(x, y, Math.max(radius * scale, 12), 0, 2 * Math.PI);
    ctx.stroke();
    ctx.fillStyle = '#ff8c00';
    ctx.font = '13px sans-serif';
    ctx.fillText(`${currentWound()?.wound ?? 'wound'} looked for here`, x + Math.max(radius * scale, 12) + 4, y);
    ctx.restore();
  }
}

function drawHints(hints) {
  if (hints.box) drawPhotoRect(hints.box);
  for (const point of hints.points) drawMarker(point, '#1e9e50', true);
  for (const point of hints.background_points) drawMarker(point, '#d9342b', false);
}

function drawGesture() {
  if (editor.gesture?.kind === 'box') drawPhotoRect(boxBetween(editor.gesture.from, editor.gesture.to));
}

function drawBrushCursor() {
  if (!editor.hover || !['brush', 'eraser'].includes(editor.tool)) return;
  const [x, y] = editor.hover;
  const radius = Number($('brush-size').value) / 2;
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, 2 * Math.PI);
  ctx.lineWidth = 3;
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.6)';
  ctx.stroke();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = editor.tool === 'brush' ? CONTOUR : '#fff';
  ctx.stroke();
}

// ---------------------------------------------------------------- pointer input

function clampToPhoto([x, y]) {
  return [Math.min(Math.max(x, 0), editor.width), Math.min(Math.max(y, 0), editor.height)];
}

function isOnPhoto([x, y]) {
  return x >= 0 && y >= 0 && x < editor.width && y < editor.height;
}

function boxBetween(from, to) {
  const [x0, y0] = clampToPhoto(from);
  const [x1, y1] = clampToPhoto(to);
  return [Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0)].map(Math.round);
}

function isPanning(event) {
  return event.button === 1 || (event.button === 0 && (editor.spaceHeld || editor.tool === 'pan'));
}

function startGesture(event, gesture) {
  canvas.setPointerCapture(event.pointerId);
  editor.gesture = gesture;
  updateCursor();
}

function onPointerDown(event) {
  if (!editor.mask) return;
  const at = canvasPoint(event);
  const photoAt = toPhoto(...at);
  if (isPanning(event)) {
    startGesture(event, { kind: 'pan', last: at });
  } else if (editor.tool === 'click' && (event.button === 0 || event.button === 2)) {
    if (isOnPhoto(photoAt)) addClickHint(photoAt.map(Math.round), event.button === 2 || event.shiftKey);
  } else if (event.button === 0 && editor.tool === 'split') {
    if (isOnPhoto(photoAt)) addSplitPoint(photoAt.map(Math.round));
  } else if (event.button === 0 && editor.tool === 'box') {
    startGesture(event, { kind: 'box', from: photoAt, to: photoAt });
  } else if (event.button === 0 && (editor.tool === 'brush' || editor.tool === 'eraser')) {
    const radius = Number($('brush-size').value) / 2 / editor.view.scale;
    const stroke = { erase: editor.tool === 'eraser', radius, points: [photoAt] };
    startGesture(event, { kind: 'stroke', stroke });
    paintStroke(stroke);
  }
}

function addSplitPoint(point) {
  editor.split = [...(editor.split ?? []), point];
  requestDraw();
  if (editor.split.length < 2) {
    setStatus('Split: now click the middle of the other wound inside this outline.');
    return;
  }
  const points = editor.split;
  editor.split = [];
  visitAction('split', { points }, async (visit, series) => {
    const lost = applySeries(series);
    const kept = series.wounds.findIndex((wound) => wound.wound === currentWound()?.wound);
    const again = series.wounds[Math.max(kept, 0)]?.visits.find((candidate) => candidate.image === visit.image);
    if (again) await openVisit(again.id);
    setTool('click');
    setStatus(`Split the wound in ${text(visit.image)} in two. ${lost}`);
  });
}

function addClickHint(point, isBackground) {
  addHint((hints) => (isBackground
    ? { ...hints, background_points: [...hints.background_points, point] }
    : { ...hints, points: [...hints.points, point] }));
}

function paintStroke(stroke) {
  drawStroke(editor.mask.getContext('2d'), stroke, stroke.points.length - 1);
  editor.overlayStale = true;
  requestDraw();
}

function onPointerMove(event) {
  const at = canvasPoint(event);
  editor.hover = at;
  const { gesture } = editor;
  if (gesture?.kind === 'pan') {
    editor.view = { ...editor.view, x: editor.view.x + at[0] - gesture.last[0], y: editor.view.y + at[1] - gesture.last[1] };
    gesture.last = at;
    viewChanged();
  } else if (gesture?.kind === 'box') {
    gesture.to = toPhoto(...at);
  } else if (gesture?.kind === 'stroke') {
    gesture.stroke.points.push(toPhoto(...at));
    paintStroke(gesture.stroke);
  }
  requestDraw();
}

function onPointerUp() {
  const { gesture } = editor;
  editor.gesture = null;
  updateCursor();
  if (gesture?.kind === 'box') {
    const box = boxBetween(gesture.from, gesture.to);
    if (box[2] >= 3 && box[3] >= 3) addHint((hints) => ({ ...hints, box }));
    else requestDraw();
  } else if (gesture?.kind === 'stroke') {
    const state = currentState();
    commit({ ...state, strokes: [...state.strokes, gesture.stroke], area_mm2: null });
  }
}

function onWheel(event) {
  event.preventDefault();
  if (!editor.photo) return;
  const delta = event.deltaY * (event.deltaMode === WheelEvent.DOM_DELTA_LINE ? 16 : 1);
  zoomAt(...canvasPoint(event), Math.exp(-delta * 0.002));
}

// ---------------------------------------------------------------- tools, keys, forms

function setTool(tool) {
  editor.tool = tool;
  editor.split = [];
  if (tool === 'split') setStatus('Split: click the middle of this wound, then the middle of the other one.');
  for (const button of document.querySelectorAll('[data-tool]')) {
    button.setAttribute('aria-pressed', String(button.dataset.tool === tool));
  }
  updateCursor();
  requestDraw();
}

function updateCursor() {
  canvas.dataset.cursor = editor.spaceHeld || editor.gesture?.kind === 'pan' ? 'pan' : editor.tool;
}

function openForm(formId, inputId, value) {
  closeForms();
  $(formId).hidden = false;
  $(inputId).value = value ?? '';
  $(inputId).focus();
}

function closeForms() {
  $('exclude-form').hidden = true;
  $('note-form').hidden = true;
  $('name-form').hidden = true;
}

const KEY_ACTIONS = {
  c: () => setTool('click'),
  b: () => setTool('box'),
  w: () => setTool('brush'),
  e: () => setTool('eraser'),
  h: () => setTool('pan'),
  s: () => setTool('split'),
  z: undo,
  y: redo,
  a: accept,
  n: () => step(1),
  ArrowRight: () => step(1),
  p: () => step(-1),
  ArrowLeft: () => step(-1),
  v: viewWound,
  f: viewPhoto,
};

function isTyping(target) {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

function onKeyDown(event) {
  if (event.key === 'Escape') closeForms();
  if (isTyping(event.target) || event.altKey || event.metaKey) return;
  if (event.key === ' ') {
    event.preventDefault();   // no page scroll and no "click" on a focused button
    editor.spaceHeld = true;
    updateCursor();
    return;
  }
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  // Ctrl only with z/y, so the browser's own Ctrl shortcuts keep working
  if (event.ctrlKey && key !== 'z' && key !== 'y') return;
  const action = key === 'z' && event.shiftKey ? redo : KEY_ACTIONS[key];
  if (!action) return;
  event.preventDefault();
  action();
}

function onKeyUp(event) {
  if (event.key !== ' ') return;
  event.preventDefault();
  editor.spaceHeld = false;
  updateCursor();
}

function bindForm(formId, inputId, save) {
  const form = $(formId);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (await save($(inputId).value.trim())) form.hidden = true;
  });
  form.querySelector('.cancel').addEventListener('click', () => { form.hidden = true; });
}

function bindControls() {
  for (const button of document.querySelectorAll('[data-tool]')) {
    button.addEventListener('click', () => setTool(button.dataset.tool));
  }
  const actions = {
    undo, redo, accept, reset, 'view-wound': viewWound, 'view-photo': viewPhoto,
    prev: () => step(-1), next: () => step(1),
    exclude: () => openForm('exclude-form', 'exclude-reason', editor.visit?.excluded),
    note: () => openForm('note-form', 'note-text', editor.visit?.note),
    'name-wound': () => openForm('name-form', 'name-text', currentWound()?.wound),
    'confirm-closed': confirmClosed,
  };
  for (const [id, action] of Object.entries(actions)) $(id).addEventListener('click', action);
  bindForm('exclude-form', 'exclude-reason', saveExclusion);
  bindForm('note-form', 'note-text', saveNote);
  bindForm('name-form', 'name-text', saveName);

  $('brush-size').addEventListener('input', () => {
    $('brush-size-value').value = $('brush-size').value;
    requestDraw();
  });
  $('wound').addEventListener('change', () => {
    app.woundIndex = Number($('wound').value);
    $('wound').blur();   // a wound chosen: the keys go back to the editor (N, P, A, ...), not the list
    renderWound();
    const first = currentWound()?.visits[0];
    if (first) selectVisit(first.id);
  });
  $('visits').tBodies[0].addEventListener('click', (event) => {
    const row = event.target.closest('tr[data-visit-id]');
    if (row) selectVisit(row.dataset.visitId);
  });

  canvas.addEventListener('pointerdown', onPointerDown);
  canvas.addEventListener('pointermove', onPointerMove);
  canvas.addEventListener('pointerup', onPointerUp);
  canvas.addEventListener('pointercancel', onPointerUp);
  canvas.addEventListener('pointerleave', () => { editor.hover = null; requestDraw(); });
  canvas.addEventListener('mousedown', (event) => { if (event.button === 1) event.preventDefault(); });   // no autoscroll
  canvas.addEventListener('contextmenu', (event) => event.preventDefault());
  canvas.addEventListener('wheel', onWheel, { passive: false });
  document.addEventListener('keydown', onKeyDown);
  document.addEventListener('keyup', onKeyUp);
  new ResizeObserver(resizeCanvas).observe(canvas);
  window.addEventListener('beforeunload', onLeave);
}

function unsavedVisits() {
  keepDraft();  // the open visit's edits count too
  return [...app.drafts.keys()];
}

function onLeave(event) {
  // the browser asks before closing or reloading the page while an edit is not accepted: it would be lost
  if (unsavedVisits().length) {
    event.preventDefault();
    event.returnValue = '';
  }
}

// ---------------------------------------------------------------- start

window.review = { toClient, selectVisit, unsavedVisits, changedElsewhere };

async function start() {
  bindControls();
  setTool('click');
  resizeCanvas();
  try {
    setStatus('Loading the series…');
    applySeries(await request('/api/series'));
    const first = currentWound()?.visits[0];
    if (!first) {
      setStatus('This series has no visits.');
      return;
    }
    await openVisit(first.id);
    document.body.dataset.ready = 'true';
  } catch (error) {
    showError(error);
  }
}

start();
