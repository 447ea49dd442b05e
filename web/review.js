/* The review page of `sprout review serve`.
 *
 * Plain ES2020, no modules, no dependencies. The contract with the server is
 * docs/internals/review-api.md. Every text that comes from the server is
 * untrusted: it is put into the page with textContent or text nodes only.
 */
'use strict';

(function () {
  const SLOT_NAMES = { prompt: 'Instruction', input: 'Input', response: 'Response', label: 'Label' };
  const STATUS_TEXT = { todo: 'To review', accepted: 'Accepted', rejected: 'Rejected', edited: 'Edited' };
  const STATUS_ICON = { todo: '', accepted: '✓', rejected: '✕', edited: '✎' };
  const DECISION_STATUS = { accept: 'accepted', reject: 'rejected', edit: 'edited' };
  const DIFF_MAX_WORDS = 3000;
  // A text holding a run this long without a space is laid out with
  // breaks anywhere (class long-run): Chromium's usual line breaking of a
  // long unbroken run grows faster than its length (a 200,000-character
  // Thai run took 32 s, Arabic 3.7 s; with the class 0.1 to 0.2 s).
  const LONG_RUN = 1000;
  const LIST_PAGE = 200;

  const $ = (id) => document.getElementById(id);

  const el = {
    body: document.body,
    fatal: $('fatal'),
    project: $('project'),
    reviewer: $('reviewer'),
    progress: $('progress'),
    progressText: $('progress-text'),
    progressBar: $('progress-bar'),
    filterMethod: $('filter-method'),
    filterLabel: $('filter-label'),
    filterLabelBox: $('filter-label-box'),
    filterStatus: $('filter-status'),
    listToggle: $('list-toggle'),
    listToggleText: $('list-toggle-text'),
    list: $('item-list'),
    listCount: $('list-count'),
    listEmpty: $('list-empty'),
    loadMore: $('load-more'),
    main: $('main'),
    loading: $('loading'),
    done: $('done-panel'),
    doneText: $('done-text'),
    item: $('item'),
    itemTitle: $('item-title'),
    itemStatus: $('item-status'),
    itemMethod: $('item-method'),
    itemLabel: $('item-label'),
    itemLabelTag: $('item-label-tag'),
    compare: $('compare'),
    legend: $('legend'),
    modelAnswer: $('model-answer'),
    expectedAnswer: $('expected-answer'),
    expectedTitle: $('expected-title'),
    modelAnswerText: $('model-answer-text'),
    scores: $('scores'),
    decision: $('decision'),
    errorBar: $('error-bar'),
    errorText: $('error-text'),
    errorClose: $('error-close'),
    rejectForm: $('reject-form'),
    rejectReason: $('reject-reason'),
    rejectCancel: $('reject-cancel'),
    rejectSubmit: $('reject-submit'),
    rejectError: $('reject-error'),
    commentBox: $('comment-box'),
    comment: $('comment'),
    commentSave: $('comment-save'),
    commentClose: $('comment-close'),
    actions: $('actions'),
    editActions: $('edit-actions'),
    navActions: $('nav-actions'),
    btnAccept: $('btn-accept'),
    btnReject: $('btn-reject'),
    btnEdit: $('btn-edit'),
    btnComment: $('btn-comment'),
    btnCommentEdit: $('btn-comment-edit'),
    btnPrev: $('btn-prev'),
    btnNext: $('btn-next'),
    btnSave: $('btn-save'),
    btnCancel: $('btn-cancel'),
    status: $('status'),
    btnGuidelines: $('btn-guidelines'),
    btnAdjudicate: $('btn-adjudicate'),
    guidelines: $('guidelines'),
    guidelinesBody: $('guidelines-body'),
    guidelinesClose: $('guidelines-close'),
    doneTitle: $('done-title'),
    doneMore: $('done-more'),
    adjudicate: $('adjudicate'),
    adjudicateList: $('adjudicate-list'),
    adjudicateEmpty: $('adjudicate-empty'),
    adjudicateClose: $('adjudicate-close'),
  };

  const state = {
    csrf: '',
    project: '',
    slots: ['prompt', 'input', 'response', 'label'],
    counts: null,
    filters: { method: '', label: '', status: '' },
    rows: [],          // ITEMROWs loaded so far, in queue order
    rowEls: new Map(), // id -> row button
    total: 0,
    listSeq: 0,
    itemSeq: 0,
    item: null,        // the ITEM shown
    editing: false,
    editBase: {},      // the texts the editors started with
    commentBase: '',   // the comment the comment field started with
    saving: false,
    fatal: false,
    labels: [],        // the labels of the project's records, for the label picker
    role: null,        // "adjudicator" or null
    guidelinesLoaded: false,
  };

  /* ------------------------------------------------------------------ */
  /* Talking to the server                                               */
  /* ------------------------------------------------------------------ */

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  function query(params) {
    const parts = [];
    for (const [k, v] of Object.entries(params)) {
      if (v === '' || v === null || v === undefined) continue;
      parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(String(v)));
    }
    return parts.length ? '?' + parts.join('&') : '';
  }

  async function request(method, path, body, retried) {
    const opts = {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { Accept: 'application/json' },
    };
    if (method === 'POST') {
      opts.headers['Content-Type'] = 'application/json';
      opts.headers['X-CSRF-Token'] = state.csrf;
      opts.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, opts);
    } catch (e) {
      throw new ApiError(0, 'no connection to the server');
    }
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    const msg = data && typeof data.error === 'string' ? data.error : '';
    if (res.status === 401 || res.status === 403) {
      if (method === 'POST' && !retried && /csrf/i.test(msg)) {
        // The server may have been restarted: fetch a fresh token, try once more.
        await loadMe();
        return request(method, path, body, true);
      }
      showFatal();
      throw new ApiError(res.status, 'your link is not valid any more');
    }
    if (!res.ok) {
      throw new ApiError(res.status, msg || 'the server answered ' + res.status);
    }
    if (!data || typeof data !== 'object') {
      throw new ApiError(res.status, 'the server sent an answer that could not be read');
    }
    return data;
  }

  /* ------------------------------------------------------------------ */
  /* Small helpers                                                       */
  /* ------------------------------------------------------------------ */

  function make(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function asText(v) {
    if (v === null || v === undefined) return '';
    return typeof v === 'string' ? v : JSON.stringify(v);
  }

  function slotName(slot) {
    if (Object.prototype.hasOwnProperty.call(SLOT_NAMES, slot)) return SLOT_NAMES[slot];
    const s = String(slot).replace(/_/g, ' ');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  function humanName(key) {
    const s = String(key).replace(/[_.]+/g, ' ');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  function formatNumber(v) {
    if (typeof v !== 'number' || !isFinite(v)) return asText(v);
    if (Number.isInteger(v)) return String(v);
    return String(Number(v.toFixed(2)));
  }

  function formatWhen(at) {
    if (typeof at !== 'string' || !at) return '';
    const d = new Date(at);
    if (isNaN(d.getTime())) return at;
    return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  }

  function isField(node) {
    if (!node || node.nodeType !== 1) return false;
    const tag = node.tagName;
    return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || node.isContentEditable;
  }

  function isNarrow() {
    return window.matchMedia('(max-width: 899.98px)').matches;
  }

  function setStatus(text, ok) {
    el.status.textContent = text || '';
    el.status.classList.toggle('is-ok', !!ok);
  }

  function showError(text) {
    el.errorText.textContent = text;
    el.errorBar.hidden = false;
  }

  function hideError() {
    el.errorBar.hidden = true;
    el.errorText.textContent = '';
  }

  function showFatal() {
    if (state.fatal) return;
    state.fatal = true;
    el.body.classList.add('is-fatal');
    el.fatal.hidden = false;
  }

  /* ------------------------------------------------------------------ */
  /* Word differences                                                    */
  /* ------------------------------------------------------------------ */

  const TOKEN_RE = /\s+|[\p{L}\p{N}\p{M}_]+(?:['’][\p{L}\p{N}\p{M}_]+)*|[^\s\p{L}\p{N}\p{M}_]/gu;

  function tokenize(s) {
    return s.match(TOKEN_RE) || [];
  }

  function isSpace(tok) {
    return /^\s/.test(tok);
  }

  // Returns {a: SEGMENTS, b: SEGMENTS} where a SEGMENT is {text, changed},
  // or null when a text is too long to compare.
  function diffWords(a, b) {
    const ta = tokenize(a);
    const tb = tokenize(b);
    const wa = [];
    const wb = [];
    ta.forEach((t, i) => { if (!isSpace(t)) wa.push(i); });
    tb.forEach((t, i) => { if (!isSpace(t)) wb.push(i); });
    if (wa.length > DIFF_MAX_WORDS || wb.length > DIFF_MAX_WORDS) return null;

    // Words as small numbers, to compare quickly.
    const ids = new Map();
    const idOf = (t) => {
      let v = ids.get(t);
      if (v === undefined) { v = ids.size; ids.set(t, v); }
      return v;
    };
    const xa = wa.map((i) => idOf(ta[i]));
    const xb = wb.map((i) => idOf(tb[i]));
    const keepA = new Uint8Array(ta.length);
    const keepB = new Uint8Array(tb.length);

    let s = 0;
    while (s < xa.length && s < xb.length && xa[s] === xb[s]) {
      keepA[wa[s]] = 1; keepB[wb[s]] = 1; s++;
    }
    let ea = xa.length;
    let eb = xb.length;
    while (ea > s && eb > s && xa[ea - 1] === xb[eb - 1]) {
      ea--; eb--;
      keepA[wa[ea]] = 1; keepB[wb[eb]] = 1;
    }
    const n = ea - s;
    const m = eb - s;
    if (n > 0 && m > 0) {
      const w = m + 1;
      const dp = new Uint16Array((n + 1) * w);
      for (let i = n - 1; i >= 0; i--) {
        const ai = xa[s + i];
        for (let j = m - 1; j >= 0; j--) {
          if (ai === xb[s + j]) dp[i * w + j] = dp[(i + 1) * w + j + 1] + 1;
          else {
            const down = dp[(i + 1) * w + j];
            const right = dp[i * w + j + 1];
            dp[i * w + j] = down >= right ? down : right;
          }
        }
      }
      let i = 0;
      let j = 0;
      while (i < n && j < m) {
        if (xa[s + i] === xb[s + j]) {
          keepA[wa[s + i]] = 1; keepB[wb[s + j]] = 1; i++; j++;
        } else if (dp[(i + 1) * w + j] >= dp[i * w + j + 1]) i++;
        else j++;
      }
    }
    findMoves(xa, xb, wa, wb, keepA, keepB);
    return { a: segments(ta, keepA), b: segments(tb, keepB) };
  }

  // Moved runs: a run of MOVE_MIN or more words that the common
  // subsequence left out on both sides, the same words in the same order,
  // is a move (keep = 2 on both sides), not a deletion and an insertion.
  // Longest runs first; each word is in one move at most.
  const MOVE_MIN = 2;
  const MOVE_MAX_WORDS = 600;
  function findMoves(xa, xb, wa, wb, keepA, keepB) {
    const fa = [];
    const fb = [];
    for (let i = 0; i < xa.length; i++) if (!keepA[wa[i]]) fa.push(i);
    for (let j = 0; j < xb.length; j++) if (!keepB[wb[j]]) fb.push(j);
    if (fa.length < MOVE_MIN || fb.length < MOVE_MIN || fa.length > MOVE_MAX_WORDS || fb.length > MOVE_MAX_WORDS) return;
    const usedA = new Uint8Array(xa.length);
    const usedB = new Uint8Array(xb.length);
    const free = (keep, w, used, x, k) => k < x.length && !keep[w[k]] && !used[k];
    for (;;) {
      let best = 0;
      let bi = -1;
      let bj = -1;
      for (const i of fa) {
        if (usedA[i]) continue;
        for (const j of fb) {
          if (usedB[j] || xa[i] !== xb[j]) continue;
          let n = 0;
          while (free(keepA, wa, usedA, xa, i + n) && free(keepB, wb, usedB, xb, j + n) && xa[i + n] === xb[j + n]) n++;
          if (n > best) { best = n; bi = i; bj = j; }
        }
      }
      if (best < MOVE_MIN) return;
      for (let n = 0; n < best; n++) {
        usedA[bi + n] = 1; usedB[bj + n] = 1;
        keepA[wa[bi + n]] = 2; keepB[wb[bj + n]] = 2;
      }
    }
  }

  // SEGMENTs {text, kind}: kind 'same', 'changed' or 'moved'.
  function segments(tokens, keep) {
    const kinds = new Array(tokens.length);
    const kindOf = (k) => (k === 1 ? 'same' : k === 2 ? 'moved' : 'changed');
    for (let i = 0; i < tokens.length; i++) {
      if (!isSpace(tokens[i])) { kinds[i] = kindOf(keep[i]); continue; }
      // A space is marked only between two words marked the same way.
      const p = i - 1;
      const q = i + 1;
      const before = p >= 0 ? kindOf(keep[p]) : 'same';
      const after = q < tokens.length && !isSpace(tokens[q]) ? kindOf(keep[q]) : 'same';
      kinds[i] = before === after ? before : 'same';
    }
    const out = [];
    for (let i = 0; i < tokens.length; i++) {
      const last = out[out.length - 1];
      if (last && last.kind === kinds[i]) last.text += tokens[i];
      else out.push({ text: tokens[i], kind: kinds[i] });
    }
    return out;
  }

  // Whether text holds LONG_RUN characters without a space between.
  function hasLongRun(text) {
    let run = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c <= 32 || c === 0x3000 || (c >= 0x2000 && c <= 0x200b)) run = 0;
      else if (++run >= LONG_RUN) return true;
    }
    return false;
  }

  function markLongRun(node, text) {
    node.classList.toggle('long-run', hasLongRun(text));
  }

  function fillText(node, text, segs, tag) {
    node.textContent = '';
    markLongRun(node, text);
    if (text === '') {
      node.classList.add('text-none');
      node.textContent = '(empty)';
      return;
    }
    if (!segs) {
      node.textContent = text;
      return;
    }
    for (const seg of segs) {
      if (seg.kind === 'changed') {
        node.appendChild(make(tag, tag === 'del' ? 'diff-del' : 'diff-ins', seg.text));
      } else if (seg.kind === 'moved') {
        const mark = make('span', 'diff-move', seg.text);
        mark.title = tag === 'del' ? 'moved from here' : 'moved here';
        node.appendChild(mark);
      } else {
        node.appendChild(document.createTextNode(seg.text));
      }
    }
  }

  /* ------------------------------------------------------------------ */
  /* Header: who, progress, filters                                      */
  /* ------------------------------------------------------------------ */

  async function loadMe() {
    const me = await request('GET', '/api/me');
    state.csrf = typeof me.csrf === 'string' ? me.csrf : '';
    state.project = asText(me.project);
    if (Array.isArray(me.slots) && me.slots.length) state.slots = me.slots.map(asText);
    el.project.textContent = state.project;
    el.reviewer.textContent = asText(me.reviewer);
    state.role = me.role === 'adjudicator' ? 'adjudicator' : null;
    el.btnAdjudicate.hidden = state.role !== 'adjudicator';
    el.btnGuidelines.hidden = me.guidelines !== true;
    document.title = state.project ? 'Review · ' + state.project : 'Review';
    if (me.counts) updateProgress(me.counts);
    return me;
  }

  function updateProgress(counts) {
    if (!counts || typeof counts !== 'object') return;
    state.counts = counts;
    const done = Number(counts.done) || 0;
    const left = Number(counts.left) || 0;
    const total = Number(counts.total) || done + left;
    el.progressText.textContent = done + ' done · ' + left + ' left';
    el.progressBar.max = total > 0 ? total : 1;
    el.progressBar.value = Math.min(done, total);
    el.progressBar.setAttribute('aria-label', 'Progress: ' + done + ' of ' + total + ' reviewed');
    el.progress.dataset.done = String(done);
    el.progress.dataset.left = String(left);
    el.progress.dataset.total = String(total);
    const parts = [];
    if (counts.accepted !== undefined) parts.push(counts.accepted + ' accepted');
    if (counts.rejected !== undefined) parts.push(counts.rejected + ' rejected');
    if (counts.edited !== undefined) parts.push(counts.edited + ' edited');
    el.progress.title = parts.join(', ');
  }

  function fillSelect(select, values, allText) {
    const keep = select.value;
    select.textContent = '';
    select.appendChild(make('option', null, allText)).value = '';
    for (const v of values) {
      const opt = make('option', null, asText(v));
      opt.value = asText(v);
      select.appendChild(opt);
    }
    select.value = values.map(asText).includes(keep) ? keep : '';
  }

  async function loadFacets() {
    const f = await request('GET', '/api/facets');
    const methods = Array.isArray(f.methods) ? f.methods : [];
    const labels = Array.isArray(f.labels) ? f.labels : [];
    fillSelect(el.filterMethod, methods, 'All methods');
    fillSelect(el.filterLabel, labels, 'All labels');
    state.labels = labels.map(asText);
    el.filterLabelBox.hidden = labels.length === 0;
  }

  function filtersActive() {
    return !!(state.filters.method || state.filters.label);
  }

  /* ------------------------------------------------------------------ */
  /* The list of items                                                   */
  /* ------------------------------------------------------------------ */

  function makeRow(row) {
    const li = make('li');
    const btn = make('button', 'item-row');
    btn.type = 'button';
    btn.dataset.test = 'item-row';
    btn.dataset.id = String(row.id);
    btn.dataset.status = STATUS_TEXT[row.status] ? row.status : 'todo';
    const icon = make('span', 'row-icon', STATUS_ICON[btn.dataset.status]);
    icon.setAttribute('aria-hidden', 'true');
    const body = make('span', 'row-body');
    const sr = make('span', 'visually-hidden row-status', STATUS_TEXT[btn.dataset.status] + ': ');
    const preview = asText(row.preview);
    const pv = make('span', 'row-preview', preview.trim() ? preview : '(no instruction)');
    const meta = [ '#' + row.id, asText(row.method) ];
    if (row.label !== null && row.label !== undefined && row.label !== '') meta.push(asText(row.label));
    const mt = make('span', 'row-meta', meta.join(' · '));
    mt.title = meta.join(' · ');
    body.append(sr, pv, mt);
    btn.append(icon, body);
    btn.addEventListener('click', () => {
      openItem(row.id).then((ok) => {
        if (ok && isNarrow()) setListShown(false);
      });
    });
    li.appendChild(btn);
    return { li, btn };
  }

  function setRowStatus(id, status) {
    const btn = state.rowEls.get(String(id));
    const row = state.rows.find((r) => String(r.id) === String(id));
    if (row) row.status = status;
    if (!btn) return;
    btn.dataset.status = status;
    btn.querySelector('.row-icon').textContent = STATUS_ICON[status] || '';
    btn.querySelector('.row-status').textContent = (STATUS_TEXT[status] || '') + ': ';
  }

  // Scrolls the list to a row that is out of sight, putting it mid-way.
  function revealRow(btn) {
    const box = el.list.closest('.sidebar');
    if (!box || !box.clientHeight) return;
    const head = box.querySelector('.sidebar-head');
    const top = btn.getBoundingClientRect().top - box.getBoundingClientRect().top;
    const bottom = top + btn.offsetHeight;
    const min = head ? head.offsetHeight : 0;
    if (top >= min && bottom <= box.clientHeight) return;
    btn.scrollIntoView({ block: 'center' });
  }

  function markCurrent() {
    const cur = state.item ? String(state.item.id) : null;
    for (const [id, btn] of state.rowEls) {
      if (id === cur) {
        btn.setAttribute('aria-current', 'true');
        if (!el.body.classList.contains('list-hidden')) revealRow(btn);
      } else {
        btn.removeAttribute('aria-current');
      }
    }
  }

  async function loadList(reset) {
    const seq = ++state.listSeq;
    const offset = reset ? 0 : state.rows.length;
    const data = await request('GET', '/api/items' + query({
      status: state.filters.status,
      method: state.filters.method,
      label: state.filters.label,
      offset,
      limit: LIST_PAGE,
    }));
    if (seq !== state.listSeq) return false;
    if (reset) {
      state.rows = [];
      state.rowEls.clear();
      el.list.textContent = '';
    }
    const items = Array.isArray(data.items) ? data.items : [];
    const frag = document.createDocumentFragment();
    for (const row of items) {
      if (state.rowEls.has(String(row.id))) continue;
      const { li, btn } = makeRow(row);
      state.rows.push(row);
      state.rowEls.set(String(row.id), btn);
      frag.appendChild(li);
    }
    el.list.appendChild(frag);
    state.total = Number(data.total) || state.rows.length;
    el.listCount.textContent = state.total === 1 ? '1 item' : state.total + ' items';
    el.listEmpty.hidden = state.rows.length > 0;
    el.loadMore.hidden = state.rows.length >= state.total || items.length === 0;
    markCurrent();
    return true;
  }

  function setListShown(shown) {
    el.body.classList.toggle('list-hidden', !shown);
    el.listToggle.setAttribute('aria-expanded', shown ? 'true' : 'false');
    el.listToggle.title = shown ? 'Hide the list of items' : 'Show the list of items';
    if (shown) markCurrent();
  }

  /* ------------------------------------------------------------------ */
  /* Showing an item                                                     */
  /* ------------------------------------------------------------------ */

  function orderedSlots(record, parent) {
    const present = new Set(Object.keys(record || {}));
    if (parent) for (const k of Object.keys(parent)) present.add(k);
    const out = state.slots.filter((s) => present.has(s));
    for (const k of present) if (!out.includes(k)) out.push(k);
    return out;
  }

  function has(obj, key) {
    return !!obj && Object.prototype.hasOwnProperty.call(obj, key);
  }

  function cellHead(slot, side) {
    const head = make('div', 'cell-head');
    head.appendChild(make('span', 'slot-name', slotName(slot)));
    head.appendChild(make('span', 'cell-side', side));
    return head;
  }

  function editValue(item, slot) {
    const d = item.decision;
    if (d && d.decision === 'edit' && has(d.record, slot)) return asText(d.record[slot]);
    return asText(item.record[slot]);
  }

  function renderCompare(item) {
    const record = item.record && typeof item.record === 'object' ? item.record : {};
    const parent = item.parent && typeof item.parent === 'object' ? item.parent : null;
    const box = el.compare;
    box.textContent = '';
    box.classList.toggle('no-parent', !parent);
    let anyDiff = false;

    // "Generated" only for a record made from another one: a real record
    // (a seed, or one flagged from a model's predictions) is not.
    const generated = item.generated === true || !!parent;
    const flagged = item.model_answer !== null && item.model_answer !== undefined && asText(item.model_answer) !== '';
    const side = generated ? 'Generated' : item.method === 'seed' ? 'Original (seed)' : 'Real record';
    let head;
    if (parent) {
      box.append(make('h2', 'col-head col-orig', 'Original (seed)'), make('h2', 'col-head col-gen', 'Generated'));
    } else if (generated) {
      head = make('h2', 'col-head col-gen', 'Generated');
      head.appendChild(make('span', 'col-head-note', 'No original to compare with: its seed is not in this project.'));
    } else if (flagged) {
      head = make('h2', 'col-head col-gen', 'Real record');
      head.appendChild(make('span', 'col-head-note', 'A record from your data, not generated: the model answered it wrongly or was unsure (below).'));
    } else {
      head = make('h2', 'col-head col-gen', side);
      head.appendChild(make('span', 'col-head-note', 'A record from your data, not generated: there is nothing to compare it with.'));
    }
    if (head) {
      head.dataset.test = 'col-head';
      box.appendChild(head);
    }

    let first = null;
    for (const slot of orderedSlots(record, parent)) {
      const inRec = has(record, slot);
      const inPar = has(parent, slot);
      const genText = inRec ? asText(record[slot]) : '';
      const orgText = inPar ? asText(parent[slot]) : '';
      let diff = null;
      let tooLong = false;
      if (parent && inRec && inPar && genText !== orgText) {
        diff = diffWords(orgText, genText);
        tooLong = diff === null;
        if (diff) anyDiff = true;
      }

      if (parent) {
        const cell = make('section', 'cell cell-orig');
        cell.dataset.slot = slot;
        cell.appendChild(cellHead(slot, 'Original (seed)'));
        const t = make('div', 'text');
        t.dataset.test = 'slot-original-' + slot;
        if (inPar) fillText(t, orgText, diff && diff.a, 'del');
        else { t.classList.add('text-none'); t.textContent = '(not in the original)'; }
        cell.appendChild(t);
        box.appendChild(cell);
      }

      const cell = make('section', 'cell cell-gen');
      cell.dataset.slot = slot;
      const head = cellHead(slot, side);
      cell.appendChild(head);
      if (state.editing && inRec && slot === 'label') {
        const picker = labelPicker(editValue(item, slot));
        state.editBase[slot] = editValue(item, slot);
        cell.appendChild(picker);
        if (!first) first = picker.querySelector('select');
      } else if (state.editing && inRec) {
        const ta = make('textarea', 'editor');
        const value = editValue(item, slot);
        ta.value = value;
        ta.id = 'editor-' + slot;
        ta.dataset.test = 'editor-' + slot;
        ta.dataset.slot = slot;
        ta.setAttribute('aria-label', slotName(slot) + ' (generated, editable)');
        ta.spellcheck = true;
        ta.rows = 2;
        markLongRun(ta, value);
        ta.addEventListener('input', () => { markLongRun(ta, ta.value); fitRows(ta); });
        state.editBase[slot] = value;
        cell.appendChild(ta);
        if (!first) first = ta;
      } else {
        const t = make('div', 'text');
        t.dataset.test = 'slot-generated-' + slot;
        if (inRec) fillText(t, genText, diff && diff.b, 'ins');
        else { t.classList.add('text-none'); t.textContent = '(not in the generated record)'; }
        cell.appendChild(t);
        if (parent && inRec && inPar && genText === orgText) {
          head.appendChild(make('span', 'same-note', 'same as the original'));
        }
      }
      if (tooLong) {
        cell.appendChild(make('p', 'diff-note', 'This text is too long to highlight the differences.'));
      }
      box.appendChild(cell);
    }
    el.legend.hidden = !anyDiff || state.editing;
    return first;
  }

  // The label editor: the project's labels to pick from, and "Other" for
  // a label typed by hand.
  const OTHER = '\u0000other';
  function labelPicker(value) {
    const box = make('div', 'label-picker editor');
    box.dataset.slot = 'label';
    const select = make('select', 'editor-select');
    select.id = 'editor-label';
    select.dataset.test = 'editor-label';
    select.setAttribute('aria-label', 'Label (pick one of the dataset\'s labels)');
    const labels = state.labels.slice();
    if (value !== '' && !labels.includes(value)) labels.unshift(value);
    for (const l of labels) {
      const opt = make('option', null, l);
      opt.value = l;
      select.appendChild(opt);
    }
    const other = make('option', null, 'Other (type a new label)…');
    other.value = OTHER;
    select.appendChild(other);
    const input = make('input', 'field editor-other');
    input.type = 'text';
    input.dataset.test = 'editor-label-other';
    input.setAttribute('aria-label', 'New label');
    input.placeholder = 'Type the label';
    input.maxLength = 2000;
    select.value = labels.includes(value) ? value : OTHER;
    input.value = select.value === OTHER ? value : '';
    input.hidden = select.value !== OTHER;
    select.addEventListener('change', () => {
      input.hidden = select.value !== OTHER;
      if (!input.hidden) input.focus();
    });
    box.append(select, input);
    return box;
  }

  // Grows a textarea to show its text (up to a limit), through its rows.
  function fitRows(ta) {
    const cs = getComputedStyle(ta);
    const line = parseFloat(cs.lineHeight) || 24;
    const pad = (parseFloat(cs.paddingTop) || 0) + (parseFloat(cs.paddingBottom) || 0);
    ta.rows = 1;
    const need = Math.ceil((ta.scrollHeight - pad - 2) / line);
    const min = ta.dataset.slot === 'label' ? 1 : 2;
    ta.rows = Math.max(min, Math.min(20, need));
  }

  function renderScores(item) {
    const box = el.scores;
    box.textContent = '';
    const scores = item.scores && typeof item.scores === 'object' ? item.scores : {};
    const keys = Object.keys(scores);
    if (!keys.length && typeof item.score === 'number') {
      scores.score = item.score;
      keys.push('score');
    }
    box.hidden = keys.length === 0;
    if (!keys.length) return;
    box.appendChild(make('span', 'scores-title', 'Checks'));
    for (const k of keys) {
      const [name, value] = scoreWords(k, scores[k]);
      const s = make('span', 'score');
      s.dataset.test = 'score';
      s.dataset.name = k;
      s.title = k + ' = ' + (isJudge(k, scores[k])
        ? scores[k].score + ' (kept from ' + formatNumber(scores[k].min) + '): ' + asText(scores[k].reason)
        : formatNumber(scores[k]));
      s.append(make('span', 'score-name', name + ': '), make('span', 'score-value', value));
      box.appendChild(s);
    }
  }

  // A score as an expert reads it: what it measures, and the number with a
  // word for it. The raw name and number are in the tooltip.
  function level(v) {
    return v >= 0.8 ? 'high' : v >= 0.5 ? 'medium' : 'low';
  }
  // A language model's score against a rubric (filter --judge):
  // {"score": 1-5, "min": threshold, "reason": "..."}.
  const RUBRICS = {
    meaning: 'meaning kept', response: 'response correct and helpful',
    fluency: 'reads naturally', scope: 'refusal out of scope',
  };
  function isJudge(key, v) {
    return key.startsWith('judge:') && v !== null && typeof v === 'object' &&
      typeof v.score === 'number';
  }
  function scoreWords(key, v) {
    if (isJudge(key, v)) {
      const r = key.slice(6);
      const what = Object.prototype.hasOwnProperty.call(RUBRICS, r) ? RUBRICS[r] : humanName(r);
      const low = typeof v.min === 'number' && v.score < v.min ? ', below ' + v.min : '';
      return ['Judge, ' + what, v.score + ' of 5' + low];
    }
    const n = typeof v === 'number' && isFinite(v);
    const num = formatNumber(v);
    const count = (one, many) => (v === 1 ? '1 ' + one : num + ' ' + many);
    switch (n ? key : '') {
      case 'pii': return ['Personal data', v === 0 ? 'none found' : count('item found', 'items found')];
      case 'similarity': case 'meaning': return ['Meaning kept', num + ' (' + level(v) + ')'];
      case 'fluency': return ['Reads naturally', num + ' (' + level(v) + ')'];
      case 'novelty_rouge_l': return ['Overlap with the closest other record', num + ' (' + level(v) + ')'];
      case 'length_ratio': return ['Length against the original', '×' + num];
      case 'new_words': return ['Words not in the original', num];
      case 'words': return ['Words', num];
      case 'validator': return ['Format check', v === 0 ? 'passed' : 'failed (code ' + num + ')'];
      case 'score': return ['Score', num];
      default: return [humanName(key), num];
    }
  }

  function renderModelAnswer(item) {
    const ans = item.model_answer;
    const show = ans !== null && ans !== undefined && asText(ans) !== '';
    el.modelAnswer.hidden = !show;
    if (!show) return;
    el.modelAnswerText.textContent = asText(ans);
    markLongRun(el.modelAnswerText, asText(ans));
    const rec = item.record || {};
    let expected = null;
    let title = 'Expected answer';
    if (has(rec, 'response')) expected = asText(rec.response);
    else if (has(rec, 'label')) { expected = asText(rec.label); title = 'Expected label'; }
    el.expectedTitle.textContent = title;
    const expBox = el.expectedAnswer.parentNode;
    expBox.hidden = expected === null;
    el.expectedAnswer.textContent = expected === null ? '' : expected;
    markLongRun(el.expectedAnswer, expected === null ? '' : expected);
  }

  function renderDecision(item) {
    const d = item.decision;
    const box = el.decision;
    box.textContent = '';
    if (!d || typeof d !== 'object' || !DECISION_STATUS[d.decision]) {
      box.hidden = true;
      delete box.dataset.decision;
      return;
    }
    box.hidden = false;
    box.dataset.decision = d.decision;
    const title = make('div', 'decision-title', 'Your decision: ' + STATUS_TEXT[DECISION_STATUS[d.decision]]);
    const when = formatWhen(d.at);
    if (when) title.appendChild(make('span', 'decision-when', ' · ' + when));
    box.appendChild(title);
    const line = (key, value) => {
      const p = make('p', 'decision-line');
      markLongRun(p, value);
      p.append(make('span', 'decision-key', key + ': '), document.createTextNode(value));
      return p;
    };
    if (d.reason) box.appendChild(line('Reason', asText(d.reason)));
    if (d.comment) box.appendChild(line('Comment', asText(d.comment)));
    if (d.decision === 'edit' && d.record && typeof d.record === 'object') {
      const changed = Object.keys(d.record).filter((k) => asText(d.record[k]) !== asText((item.record || {})[k]));
      if (changed.length) {
        box.appendChild(make('div', 'decision-key', 'Your corrected text:'));
        const ul = make('ul', 'decision-edits');
        for (const k of changed) {
          const li = make('li', 'decision-line');
          li.dataset.test = 'edited-' + k;
          markLongRun(li, asText(d.record[k]));
          li.append(make('span', 'decision-key', slotName(k) + ': '), document.createTextNode(asText(d.record[k])));
          ul.appendChild(li);
        }
        box.appendChild(ul);
      }
    }
  }

  function renderHead(item) {
    const status = STATUS_TEXT[item.status] ? item.status : 'todo';
    el.item.dataset.id = String(item.id);
    el.item.dataset.status = status;
    el.itemTitle.textContent = 'Item ' + item.id;
    const total = state.counts && Number(state.counts.total);
    if (item.position && total) {
      el.itemTitle.appendChild(make('span', 'item-pos', ' · ' + item.position + ' of ' + total + ' in your queue'));
    }
    el.itemStatus.dataset.status = status;
    el.itemStatus.textContent = (STATUS_ICON[status] ? STATUS_ICON[status] + ' ' : '') + STATUS_TEXT[status];
    el.itemMethod.textContent = asText(item.method);
    const hasLabel = item.label !== null && item.label !== undefined && item.label !== '';
    el.itemLabelTag.hidden = !hasLabel;
    el.itemLabel.textContent = hasLabel ? asText(item.label) : '';
  }

  function showItem(item, push) {
    state.item = item;
    state.editing = false;
    state.editBase = {};
    el.loading.hidden = true;
    el.done.hidden = true;
    el.item.hidden = false;
    el.adjudicate.hidden = true;
    hideError();
    closeReject(true);
    const comment = item.decision && item.decision.comment ? asText(item.decision.comment) : '';
    el.comment.value = comment;
    state.commentBase = comment;
    el.commentBox.hidden = true;
    el.btnComment.classList.remove('is-active');
    renderHead(item);
    renderCompare(item);
    renderModelAnswer(item);
    renderScores(item);
    renderDecision(item);
    updateModeButtons();
    markCurrent();
    el.main.scrollTop = 0;
    const hash = '#item=' + encodeURIComponent(String(item.id));
    if (location.hash !== hash) {
      if (push) history.pushState(null, '', hash);
      else history.replaceState(null, '', hash);
    }
  }

  // The end screen, saying truly why there is nothing to show: counts are
  // the reviewer's, as the server gave them with {"done": true}.
  function showDone(counts) {
    state.item = null;
    state.editing = false;
    el.loading.hidden = true;
    el.item.hidden = true;
    el.adjudicate.hidden = true;
    el.done.hidden = false;
    const c = counts && typeof counts === 'object' ? counts : state.counts || {};
    const done = Number(c.done) || 0;
    const left = Number(c.left) || 0;
    const total = Number(c.total) || 0;
    let title;
    let text;
    if (total === 0) {
      title = 'Nothing to review';
      text = 'There is no item for you to review: the project has none open to you (other reviewers may have them all). You have not reviewed any item.';
    } else if (filtersActive() && left > 0) {
      title = 'Nothing to review with these filters';
      text = done
        ? 'No item left to review matches these filters. ' + left + ' more are waiting for you: choose All methods and All labels to see them.'
        : 'No item to review matches these filters: ' + left + ' are waiting for you under others. Choose All methods and All labels to see them.';
    } else if (left > 0) {
      title = 'Nothing to review right now';
      text = 'The ' + left + ' items left are being reviewed by others at the moment. Come back later.' +
        (done ? ' You have reviewed ' + done + '.' : ' You have not reviewed any item yet.');
    } else {
      title = 'All done here';
      text = 'You have reviewed every item open to you (' + done + '). Thank you!';
    }
    el.doneTitle.textContent = title;
    el.doneText.textContent = text;
    el.doneMore.hidden = done === 0;
    markCurrent();
    if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  }

  function showNothing(text) {
    state.item = null;
    el.item.hidden = true;
    el.done.hidden = true;
    el.loading.hidden = false;
    el.loading.textContent = text;
    markCurrent();
  }

  function updateModeButtons() {
    el.actions.hidden = state.editing;
    el.editActions.hidden = !state.editing;
    el.navActions.hidden = state.editing;
    el.commentSave.hidden = !(state.item && state.item.decision) || state.editing;
    // Not `disabled`: that would throw the keyboard focus out of the bar.
    for (const b of [el.btnAccept, el.btnReject, el.btnEdit, el.btnSave, el.rejectSubmit, el.commentSave]) {
      if (state.saving) b.setAttribute('aria-disabled', 'true');
      else b.removeAttribute('aria-disabled');
    }
    el.item.setAttribute('aria-busy', state.saving ? 'true' : 'false');
  }

  /* ------------------------------------------------------------------ */
  /* Unsaved text                                                        */
  /* ------------------------------------------------------------------ */

  function editorValues() {
    const out = {};
    for (const ta of el.compare.querySelectorAll('textarea.editor')) out[ta.dataset.slot] = ta.value;
    for (const p of el.compare.querySelectorAll('.label-picker')) {
      const sel = p.querySelector('select');
      out[p.dataset.slot] = sel.value === OTHER ? p.querySelector('input').value : sel.value;
    }
    return out;
  }

  function hasUnsaved() {
    if (!state.item) return false;
    if (state.editing) {
      const v = editorValues();
      for (const k of Object.keys(v)) if (v[k] !== state.editBase[k]) return true;
    }
    if (!el.rejectForm.hidden && el.rejectReason.value.trim()) return true;
    if (el.comment.value.trim() !== state.commentBase.trim()) return true;
    return false;
  }

  function confirmLeave() {
    if (!hasUnsaved()) return true;
    return window.confirm('You have typed text that is not saved yet. Leave this item and lose it?');
  }

  /* ------------------------------------------------------------------ */
  /* Navigation                                                          */
  /* ------------------------------------------------------------------ */

  async function openItem(id, opts) {
    const push = !opts || opts.push !== false;
    if (state.item && String(state.item.id) === String(id) && !(opts && opts.force)) return true;
    if (!(opts && opts.noConfirm) && !confirmLeave()) return false;
    const seq = ++state.itemSeq;
    let item;
    try {
      item = await request('GET', '/api/item/' + encodeURIComponent(String(id)));
    } catch (e) {
      if (seq === state.itemSeq && !state.fatal) {
        const msg = 'Could not open item ' + id + ': ' + e.message + '.';
        if (state.item) showError(msg);
        else showNothing(msg);
      }
      return false;
    }
    if (seq !== state.itemSeq) return false;
    showItem(item, push);
    setStatus(''); /* a message about the item before would mislead */
    return true;
  }

  async function openNext(message) {
    const seq = ++state.itemSeq;
    let data;
    try {
      data = await request('GET', '/api/next' + query({ method: state.filters.method, label: state.filters.label }));
    } catch (e) {
      if (seq === state.itemSeq && !state.fatal) {
        const msg = 'Could not load the next item: ' + e.message + '.';
        if (state.item) showError(msg);
        else showNothing(msg + ' Reload the page to try again.');
      }
      return false;
    }
    if (seq !== state.itemSeq) return false;
    if (data.done) {
      if (data.counts) updateProgress(data.counts);
      showDone(data.counts);
    } else {
      showItem(data, true);
      if (message) setStatus(message, true);
    }
    return true;
  }

  async function step(delta) {
    if (state.saving) return;
    if (!state.rows.length) {
      setStatus('There are no items in the list.');
      return;
    }
    const cur = state.item ? String(state.item.id) : null;
    let idx = cur === null ? -1 : state.rows.findIndex((r) => String(r.id) === cur);
    let target = null;
    if (idx === -1) {
      // Not in the list (the end screen, or an item the filters leave out).
      target = delta > 0 ? state.rows[0] : state.rows[state.rows.length - 1];
    } else {
      target = state.rows[idx + delta] || null;
      if (!target && delta > 0 && state.rows.length < state.total) {
        try { await loadList(false); } catch (e) { /* shown below */ }
        target = state.rows[idx + delta] || null;
      }
    }
    if (!target) {
      setStatus(delta > 0 ? 'This is the last item in the list.' : 'This is the first item in the list.');
      return;
    }
    await openItem(target.id);
  }

  /* ------------------------------------------------------------------ */
  /* Decisions                                                           */
  /* ------------------------------------------------------------------ */

  // The overwrite guard: a key or button that would change a decision
  // already made asks first; the server refuses (409) a decision made on a
  // stale view (expected_previous), and the page shows the item as it is
  // and asks again.
  const PAST = { accept: 'accepted', reject: 'rejected', edit: 'corrected' };
  const VERB = { accept: 'accept it', reject: 'reject it', edit: 'save your correction' };
  function replaceQuestion(prev, next, since) {
    const why = prev.reason ? ' (reason: ' + asText(prev.reason) + ')' : '';
    return (since ? 'Meanwhile (in another tab or window) you ' : 'You ') + PAST[prev.decision] +
      ' this item' + why + (since ? '' : ' earlier') + '. Replace that decision and ' + VERB[next] + '?';
  }

  async function saveDecision(body, opts) {
    const item = state.item;
    if (!item || state.saving) return false;
    const advance = !opts || opts.advance !== false;
    const prev = item.decision && DECISION_STATUS[item.decision.decision] ? item.decision : null;
    if (prev && prev.decision !== body.decision && !(opts && opts.confirmed) &&
        !window.confirm(replaceQuestion(prev, body.decision, false))) {
      setStatus('Nothing changed: your earlier decision stays.');
      return false;
    }
    body.expected_previous = prev ? prev.decision : null;
    body.comment = el.comment.value.trim();
    state.saving = true;
    updateModeButtons();
    hideError();
    setStatus('Saving…');
    let data;
    try {
      data = await request('POST', '/api/item/' + encodeURIComponent(String(item.id)) + '/decision', body);
    } catch (e) {
      state.saving = false;
      updateModeButtons();
      setStatus('');
      if (e.status === 409 && !state.fatal) return resolveConflict(item, body, opts);
      if (!state.fatal) showError('Could not save: ' + e.message + '. Your text is kept: try again.');
      return false;
    }
    state.saving = false;
    if (data.counts) updateProgress(data.counts);
    const status = DECISION_STATUS[body.decision];
    setRowStatus(item.id, status);
    item.status = status;
    item.decision = {
      decision: body.decision,
      reason: body.reason || '',
      comment: body.comment || '',
      at: new Date().toISOString(),
    };
    if (body.record) item.decision.record = body.record;

    if (!advance || state.item !== item) {
      if (state.item === item) {
        state.commentBase = body.comment;
        el.comment.value = body.comment;
        renderHead(item);
        renderDecision(item);
        updateModeButtons();
        setStatus('Comment saved.', true);
      }
      return true;
    }
    // Show what was saved, then move on to the next item to review.
    if (state.item === item) showItem(item, false);
    const done = 'Saved: ' + STATUS_TEXT[status].toLowerCase() + '.';
    setStatus(done, true);
    await openNext(done + ' Next item to review.');
    return true;
  }

  async function resolveConflict(item, body, opts) {
    let fresh;
    try {
      fresh = await request('GET', '/api/item/' + encodeURIComponent(String(item.id)));
    } catch (e) {
      if (!state.fatal) showError('Could not save: your decision changed meanwhile, and the item could not be read again: ' + e.message + '.');
      return false;
    }
    if (state.item !== item) return false;
    item.decision = fresh.decision;
    item.status = fresh.status;
    setRowStatus(item.id, STATUS_TEXT[fresh.status] ? fresh.status : 'todo');
    renderHead(item);
    renderDecision(item);
    const now = fresh.decision && DECISION_STATUS[fresh.decision.decision] ? fresh.decision : null;
    const q = now
      ? replaceQuestion(now, body.decision, true)
      : 'Meanwhile your decision on this item was taken away. Save this one?';
    if (!window.confirm(q)) {
      setStatus('Nothing changed: the decision saved meanwhile stays.');
      return false;
    }
    return saveDecision(body, Object.assign({}, opts, { confirmed: true }));
  }

  function accept() {
    if (!state.item || state.editing) return;
    saveDecision({ decision: 'accept' });
  }

  function openReject() {
    if (!state.item || state.editing) return;
    if (el.rejectForm.hidden) {
      const d = state.item.decision;
      el.rejectReason.value = d && d.decision === 'reject' && d.reason ? asText(d.reason) : '';
      syncQuickReasons();
    }
    el.rejectForm.hidden = false;
    el.btnReject.classList.add('is-active');
    el.btnReject.setAttribute('aria-expanded', 'true');
    el.rejectReason.focus();
  }

  function closeReject(clear) {
    el.rejectForm.hidden = true;
    el.btnReject.classList.remove('is-active');
    el.btnReject.setAttribute('aria-expanded', 'false');
    setReasonInvalid(false);
    if (clear) el.rejectReason.value = '';
  }

  function setReasonInvalid(bad) {
    el.rejectReason.classList.toggle('is-invalid', bad);
    if (bad) el.rejectReason.setAttribute('aria-invalid', 'true');
    else el.rejectReason.removeAttribute('aria-invalid');
    el.rejectError.hidden = !bad;
  }

  function syncQuickReasons() {
    const v = el.rejectReason.value.trim();
    for (const b of el.rejectForm.querySelectorAll('.quick-reason')) {
      b.setAttribute('aria-pressed', b.dataset.reason === v ? 'true' : 'false');
    }
  }

  function submitReject() {
    if (!state.item) return;
    const reason = el.rejectReason.value.trim();
    if (!reason) {
      setReasonInvalid(true);
      el.rejectReason.focus();
      return;
    }
    setReasonInvalid(false);
    saveDecision({ decision: 'reject', reason });
  }

  function enterEdit() {
    if (!state.item || state.editing) return;
    const rec = state.item.record;
    if (!rec || !Object.keys(rec).length) {
      setStatus('This item has no text to edit.');
      return;
    }
    closeReject(false);
    state.editing = true;
    state.editBase = {};
    const first = renderCompare(state.item);
    for (const ta of el.compare.querySelectorAll('textarea.editor')) fitRows(ta);
    updateModeButtons();
    setStatus('Editing: change the generated text, then Save changes (Ctrl+Enter) or Cancel (Escape).');
    if (first) {
      first.focus();
      first.setSelectionRange(first.value.length, first.value.length);
    }
  }

  function cancelEdit() {
    if (!state.editing) return;
    state.editing = false;
    state.editBase = {};
    renderCompare(state.item);
    updateModeButtons();
    hideError();
    setStatus('Edit cancelled.');
    el.btnEdit.focus();
  }

  function saveEdit() {
    if (!state.editing || state.saving) return;
    const values = editorValues();
    const rec = state.item.record || {};
    const changed = Object.keys(values).some((k) => values[k] !== asText(rec[k]));
    if (!changed) {
      setStatus('You have not changed anything. Use Accept if the generated text is right.');
      return;
    }
    saveDecision({ decision: 'edit', record: values });
  }

  function openComment() {
    if (!state.item) return;
    el.commentBox.hidden = false;
    el.btnComment.classList.add('is-active');
    updateModeButtons();
    el.comment.focus();
  }

  function closeComment() {
    el.commentBox.hidden = true;
    el.btnComment.classList.remove('is-active');
  }

  function saveComment() {
    const item = state.item;
    if (!item || !item.decision || state.editing) return;
    const d = item.decision;
    const body = { decision: d.decision };
    if (d.reason) body.reason = d.reason;
    if (d.decision === 'edit' && d.record) body.record = d.record;
    saveDecision(body, { advance: false });
  }

  /* ------------------------------------------------------------------ */
  /* Filters                                                             */
  /* ------------------------------------------------------------------ */

  async function onFiltersChanged() {
    state.filters = {
      method: el.filterMethod.value,
      label: el.filterLabel.value,
      status: el.filterStatus.value,
    };
    try {
      await loadList(true);
    } catch (e) {
      if (!state.fatal) setStatus('Could not load the list: ' + e.message + '.');
      return;
    }
    const cur = state.item ? String(state.item.id) : null;
    if (cur !== null && state.rowEls.has(cur)) return;
    if (!confirmLeave()) return;
    if (state.filters.status === '' || state.filters.status === 'todo') {
      await openNext('');
    } else if (state.rows.length) {
      await openItem(state.rows[0].id, { noConfirm: true });
    } else {
      showNothing('No items match these filters.');
    }
  }

  /* ------------------------------------------------------------------ */
  /* Guidelines: a safe subset of Markdown                               */
  /* ------------------------------------------------------------------ */

  // Headings, lists, paragraphs, fenced code; inline code, **strong**,
  // *emphasis*, _emphasis_ and [links](url) with http, https or mailto
  // only. Everything is made with createElement and text nodes: raw HTML
  // in the file shows as text, and any other link as its text.
  const SAFE_URL = /^(https?:\/\/|mailto:)/i;
  const INLINE_RE = /`([^`]+)`|\[([^\]]+)\]\(([^()\s]+)\)|\*\*(.+?)\*\*|\*([^*\s][^*]*?)\*|\b_([^_\s][^_]*?)_\b/g;

  function inline(parent, text) {
    let at = 0;
    INLINE_RE.lastIndex = 0;
    const matches = [];
    let m;
    while ((m = INLINE_RE.exec(text)) !== null) matches.push(m);
    for (const x of matches) {
      if (x.index > at) parent.appendChild(document.createTextNode(text.slice(at, x.index)));
      at = x.index + x[0].length;
      if (x[1] !== undefined) {
        parent.appendChild(make('code', null, x[1]));
      } else if (x[2] !== undefined) {
        if (SAFE_URL.test(x[3])) {
          const a = make('a');
          a.href = x[3];
          a.rel = 'noopener noreferrer';
          a.target = '_blank';
          inline(a, x[2]);
          parent.appendChild(a);
        } else {
          inline(parent, x[2]);
        }
      } else if (x[4] !== undefined) {
        const b = make('strong');
        inline(b, x[4]);
        parent.appendChild(b);
      } else {
        const i = make('em');
        inline(i, x[5] !== undefined ? x[5] : x[6]);
        parent.appendChild(i);
      }
    }
    if (at < text.length) parent.appendChild(document.createTextNode(text.slice(at)));
  }

  function renderMarkdown(box, md) {
    box.textContent = '';
    const lines = String(md).replace(/\r\n?/g, '\n').split('\n');
    let para = [];
    let list = null;
    const flush = () => {
      if (para.length) {
        const p = make('p');
        inline(p, para.join(' '));
        box.appendChild(p);
        para = [];
      }
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      let m;
      if (/^\s*```/.test(line)) {
        flush(); list = null;
        const code = [];
        for (i++; i < lines.length && !/^\s*```/.test(lines[i]); i++) code.push(lines[i]);
        const pre = make('pre');
        pre.appendChild(make('code', null, code.join('\n')));
        box.appendChild(pre);
      } else if ((m = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line))) {
        flush(); list = null;
        const h = make('h' + Math.min(6, m[1].length + 1));
        inline(h, m[2]);
        box.appendChild(h);
      } else if ((m = /^\s*([-*+]|\d{1,9}[.)])\s+(.*)$/.exec(line))) {
        flush();
        const tag = /\d/.test(m[1]) ? 'ol' : 'ul';
        if (!list || list.tagName.toLowerCase() !== tag) {
          list = make(tag);
          box.appendChild(list);
        }
        const li = make('li');
        inline(li, m[2]);
        list.appendChild(li);
      } else if (/^\s*$/.test(line)) {
        flush(); list = null;
      } else if (list && /^\s+\S/.test(line)) {
        list.lastChild.appendChild(document.createTextNode(' '));
        inline(list.lastChild, line.trim());
      } else {
        list = null;
        para.push(line.trim());
      }
    }
    flush();
  }

  async function showGuidelines(show) {
    el.guidelines.hidden = !show;
    el.btnGuidelines.setAttribute('aria-expanded', show ? 'true' : 'false');
    if (!show) { el.btnGuidelines.focus(); return; }
    if (!state.guidelinesLoaded) {
      el.guidelinesBody.textContent = 'Loading…';
      try {
        const g = await request('GET', '/api/guidelines');
        if (typeof g.markdown === 'string') renderMarkdown(el.guidelinesBody, g.markdown);
        else el.guidelinesBody.textContent = 'This project has no guidelines.';
        state.guidelinesLoaded = true;
      } catch (e) {
        if (!state.fatal) el.guidelinesBody.textContent = 'Could not load the guidelines: ' + e.message + '.';
      }
    }
    el.guidelinesClose.focus();
  }

  /* ------------------------------------------------------------------ */
  /* Adjudication (adjudicators only)                                    */
  /* ------------------------------------------------------------------ */

  function slotsText(rec) {
    if (!rec || typeof rec !== 'object') return '';
    return Object.keys(rec).map((k) => slotName(k) + ': ' + asText(rec[k])).join('\n');
  }

  function adjudicateCard(it) {
    const li = make('li', 'adjudicate-card');
    li.dataset.test = 'adjudicate-item';
    li.dataset.id = String(it.id);
    const meta = ['Item ' + it.id, asText(it.method)];
    if (it.label !== null && it.label !== undefined) meta.push('label ' + asText(it.label));
    li.appendChild(make('h2', null, meta.join(' · ')));
    li.appendChild(make('div', 'adjudicate-text', slotsText(it.record)));
    const votes = make('ul', 'adjudicate-votes');
    for (const d of Array.isArray(it.decisions) ? it.decisions : []) {
      const v = make('li');
      v.dataset.test = 'adjudicate-vote';
      let text = asText(d.reviewer) + ': ' + (STATUS_TEXT[DECISION_STATUS[d.decision]] || asText(d.decision));
      if (d.reason) text += ' (' + asText(d.reason) + ')';
      if (d.comment) text += ' · comment: ' + asText(d.comment);
      if (d.decision === 'edit' && d.record) text += ' → ' + slotsText(d.record).replace(/\n/g, '; ');
      v.textContent = text;
      votes.appendChild(v);
    }
    li.appendChild(votes);
    const fin = make('p', 'adjudicate-final');
    fin.dataset.test = 'adjudicate-final';
    if (it.final) {
      let t = 'Final: ' + (STATUS_TEXT[DECISION_STATUS[it.final.decision]] || asText(it.final.decision)) + ' by ' + asText(it.final.by);
      if (it.final.reason) t += ' (' + asText(it.final.reason) + ')';
      fin.textContent = t;
    } else {
      fin.textContent = 'No final decision yet.';
    }
    li.appendChild(fin);
    const row = make('div', 'adjudicate-actions');
    const acc = make('button', 'btn btn-small btn-accept', 'Final: accept');
    acc.type = 'button';
    acc.dataset.test = 'final-accept';
    acc.addEventListener('click', () => setFinal(it, { decision: 'accept' }, li));
    const reason = make('input', 'field');
    reason.type = 'text';
    reason.placeholder = 'Why reject (required)';
    reason.maxLength = 2000;
    reason.dataset.test = 'final-reason';
    reason.setAttribute('aria-label', 'Why reject item ' + it.id);
    const rej = make('button', 'btn btn-small btn-danger', 'Final: reject');
    rej.type = 'button';
    rej.dataset.test = 'final-reject';
    rej.addEventListener('click', () => {
      if (!reason.value.trim()) { reason.focus(); setStatus('Give a reason to reject.'); return; }
      setFinal(it, { decision: 'reject', reason: reason.value.trim() }, li);
    });
    row.append(acc, reason, rej);
    for (const d of Array.isArray(it.decisions) ? it.decisions : []) {
      if (d.decision !== 'edit' || !d.record) continue;
      const use = make('button', 'btn btn-small', 'Final: ' + asText(d.reviewer) + '\u2019s correction');
      use.type = 'button';
      use.dataset.test = 'final-edit';
      use.addEventListener('click', () => setFinal(it, { decision: 'edit', record: d.record }, li));
      row.appendChild(use);
    }
    li.appendChild(row);
    return li;
  }

  async function setFinal(it, body, li) {
    try {
      await request('POST', '/api/item/' + encodeURIComponent(String(it.id)) + '/final', body);
    } catch (e) {
      if (!state.fatal) showError('Could not save the final decision: ' + e.message + '.');
      return;
    }
    it.final = { decision: body.decision, reason: body.reason || '', by: el.reviewer.textContent };
    li.replaceWith(adjudicateCard(it));
    setStatus('Final decision saved for item ' + it.id + '.', true);
  }

  async function showAdjudication() {
    let data;
    try {
      data = await request('GET', '/api/disagreements');
    } catch (e) {
      if (!state.fatal) showError('Could not load the disagreements: ' + e.message + '.');
      return;
    }
    if (state.editing || !confirmLeave()) return;
    state.item = null;
    el.item.hidden = true;
    el.done.hidden = true;
    el.loading.hidden = true;
    el.adjudicate.hidden = false;
    const items = Array.isArray(data.items) ? data.items : [];
    el.adjudicateList.textContent = '';
    for (const it of items) el.adjudicateList.appendChild(adjudicateCard(it));
    el.adjudicateEmpty.hidden = items.length > 0;
    markCurrent();
  }

  function closeAdjudication() {
    el.adjudicate.hidden = true;
    openNext('');
  }

  /* ------------------------------------------------------------------ */
  /* Keys                                                                */
  /* ------------------------------------------------------------------ */

  function onKey(e) {
    if (state.fatal || e.isComposing) return;
    const t = e.target;
    const ctrlEnter = e.key === 'Enter' && (e.ctrlKey || e.metaKey);

    if (t === el.comment) {
      if (e.key === 'Escape') { e.preventDefault(); closeComment(); el.btnComment.focus(); return; }
      if (ctrlEnter) {
        e.preventDefault();
        if (state.editing) saveEdit();
        else if (state.item && state.item.decision) saveComment();
        return;
      }
      return;
    }
    if (t === el.rejectReason) {
      if (e.key === 'Escape') { e.preventDefault(); closeReject(true); el.btnReject.focus(); }
      return; // Enter submits the form.
    }
    if (state.editing) {
      if (ctrlEnter) { e.preventDefault(); saveEdit(); return; }
      if (e.key === 'Escape') { e.preventDefault(); cancelEdit(); return; }
    }
    if (isField(t)) return;
    if (e.key === 'Escape') {
      if (!el.guidelines.hidden) { showGuidelines(false); return; }
      if (!el.rejectForm.hidden) { closeReject(true); return; }
      if (!el.commentBox.hidden) { closeComment(); return; }
      if (!el.errorBar.hidden) { hideError(); return; }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || state.editing || state.saving) return;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    switch (key) {
      case 'a': if (state.item) { e.preventDefault(); accept(); } break;
      case 'r': if (state.item) { e.preventDefault(); openReject(); } break;
      case 'e': if (state.item) { e.preventDefault(); enterEdit(); } break;
      case 'c': if (state.item) { e.preventDefault(); openComment(); } break;
      case 'g': if (!el.btnGuidelines.hidden) { e.preventDefault(); showGuidelines(el.guidelines.hidden); } break;
      case 'j': case 'ArrowRight': e.preventDefault(); step(1); break;
      case 'k': case 'ArrowLeft': e.preventDefault(); step(-1); break;
      default: break;
    }
  }

  /* ------------------------------------------------------------------ */
  /* Start                                                               */
  /* ------------------------------------------------------------------ */

  function hashId() {
    const m = /^#item=([^&]+)$/.exec(location.hash);
    return m ? decodeURIComponent(m[1]) : null;
  }

  function wire() {
    document.addEventListener('keydown', onKey);
    el.btnAccept.addEventListener('click', accept);
    el.btnReject.addEventListener('click', () => {
      if (el.rejectForm.hidden) openReject(); else closeReject(true);
    });
    el.btnEdit.addEventListener('click', enterEdit);
    el.btnComment.addEventListener('click', () => {
      if (el.commentBox.hidden) openComment(); else closeComment();
    });
    el.btnCommentEdit.addEventListener('click', openComment);
    el.btnPrev.addEventListener('click', () => step(-1));
    el.btnNext.addEventListener('click', () => step(1));
    el.btnSave.addEventListener('click', saveEdit);
    el.btnCancel.addEventListener('click', cancelEdit);
    el.commentSave.addEventListener('click', saveComment);
    el.commentClose.addEventListener('click', () => { closeComment(); el.btnComment.focus(); });
    el.errorClose.addEventListener('click', hideError);
    el.btnGuidelines.addEventListener('click', () => showGuidelines(el.guidelines.hidden));
    el.guidelinesClose.addEventListener('click', () => showGuidelines(false));
    el.btnAdjudicate.addEventListener('click', showAdjudication);
    el.adjudicateClose.addEventListener('click', closeAdjudication);
    el.rejectCancel.addEventListener('click', () => { closeReject(true); el.btnReject.focus(); });
    el.rejectForm.addEventListener('submit', (e) => { e.preventDefault(); submitReject(); });
    el.rejectReason.addEventListener('input', () => {
      syncQuickReasons();
      if (el.rejectReason.value.trim()) setReasonInvalid(false);
    });
    for (const b of el.rejectForm.querySelectorAll('.quick-reason')) {
      b.addEventListener('click', () => {
        el.rejectReason.value = b.dataset.reason;
        el.rejectReason.dispatchEvent(new Event('input'));
        el.rejectReason.focus();
      });
    }
    for (const s of [el.filterMethod, el.filterLabel, el.filterStatus]) {
      s.addEventListener('change', onFiltersChanged);
    }
    el.loadMore.addEventListener('click', () => {
      loadList(false).catch((e) => { if (!state.fatal) setStatus('Could not load more items: ' + e.message + '.'); });
    });
    el.listToggle.addEventListener('click', () => setListShown(el.body.classList.contains('list-hidden')));
    window.addEventListener('popstate', () => {
      const id = hashId();
      if (id !== null) openItem(id, { push: false });
    });
    window.addEventListener('beforeunload', (e) => {
      if (hasUnsaved()) { e.preventDefault(); e.returnValue = ''; }
    });
  }

  async function start() {
    wire();
    setListShown(!isNarrow());
    try {
      await loadMe();
      await Promise.all([loadFacets(), loadList(true)]);
    } catch (e) {
      if (!state.fatal) showNothing('Could not load the review: ' + e.message + '. Reload the page to try again.');
      return;
    }
    const id = hashId();
    if (id !== null && (await openItem(id, { push: false }))) return;
    if (!state.fatal) await openNext('');
  }

  start();
})();
