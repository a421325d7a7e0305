// Runs once when the sources panel mounts (Gradio js_on_load: `element`, `trigger`, `watch` are given).
// [n] markers live in the chatbot, whose sanitiser keeps only href/title/class, so the marker's href
// (#qc-src-<turn>-<n>) says which card to show. A click on a marker of another turn asks the server to show that
// turn's sources, then scrolls to the card. "Open the whole document" asks for the viewer under its card; × and
// Escape close it. After each render, every card scrolls its highlighted quote (short answer first) into view.
const root = element;
let pending = null;
const parse = (a) => { const m = (a.getAttribute('href') || '').match(/^#qc-src-(\d+)-(\d+)$/); return m ? [m[1], m[2]] : null; };
const card = (t) => root.querySelector('#qc-src-' + t[0] + '-' + t[1]);
const flash = (c) => { c.scrollIntoView({block: 'nearest', behavior: 'smooth'}); c.classList.remove('qc-flash'); void c.offsetWidth; c.classList.add('qc-flash'); };
const cite = (ev) => ev.target && ev.target.closest ? ev.target.closest('a.qc-cite') : null;
const onClick = (ev) => {
  const a = cite(ev); if (!a) return;
  const t = parse(a); if (!t) return;
  ev.preventDefault(); ev.stopPropagation();
  const c = card(t);
  if (c) { flash(c); } else { pending = t; trigger('click', {action: 'show', turn: Number(t[0]), n: Number(t[1])}); }
};
const onOver = (ev) => { const a = cite(ev); const t = a && parse(a); const c = t && card(t); if (c) c.classList.add('qc-hover'); };
const onOut = (ev) => { const a = cite(ev); const t = a && parse(a); const c = t && card(t); if (c) c.classList.remove('qc-hover'); };
const onKey = (ev) => { if (ev.key === 'Escape' && root.querySelector('.qc-viewer')) { ev.preventDefault(); trigger('click', {action: 'close'}); } };
if (window.__qcListeners) { for (const [type, fn] of window.__qcListeners) document.removeEventListener(type, fn, true); }
window.__qcListeners = [['click', onClick], ['mouseover', onOver], ['mouseout', onOut], ['keydown', onKey]];
for (const [type, fn] of window.__qcListeners) document.addEventListener(type, fn, true);
root.addEventListener('click', (ev) => {
  const target = ev.target && ev.target.closest ? ev.target : null;
  const open = target && target.closest('a.qc-open');
  const close = target && target.closest('a.qc-close');
  if (open) { ev.preventDefault(); trigger('click', {action: 'open', turn: Number(open.dataset.turn), n: Number(open.dataset.n)}); }
  else if (close) { ev.preventDefault(); trigger('click', {action: 'close'}); }
});
// Scroll `inner` inside its scrolling `box` so it sits a third of the way down, without moving the page.
const within = (box, inner) => { if (box && inner) box.scrollTop = Math.max(0, inner.offsetTop - box.offsetTop - box.clientHeight / 3); };
const settle = () => {
  for (const passage of root.querySelectorAll('.qc-passage')) within(passage, passage.querySelector('strong.qc-short') || passage.querySelector('mark.qc-quote'));
  const viewer = root.querySelector('.qc-viewer');
  if (viewer) { within(viewer.querySelector('.qc-doc-text'), viewer.querySelector('mark.qc-doc-mark')); viewer.scrollIntoView({block: 'nearest', behavior: 'smooth'}); }
  if (pending) { const c = card(pending); if (c) { pending = null; flash(c); } }
};
watch('value', () => { requestAnimationFrame(() => requestAnimationFrame(settle)); });
