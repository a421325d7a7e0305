// Runs once when the sources panel mounts (Gradio js_on_load: `element`, `trigger`, `watch` are given).
// [n] markers live in the chatbot, whose sanitiser keeps only href/title/class, so the marker's
// href (#qc-src-<turn>-<n>) says which card to show. A click on a marker of another turn asks the server to
// show that turn's sources, then scrolls to the card.
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
if (window.__qcListeners) { for (const [type, fn] of window.__qcListeners) document.removeEventListener(type, fn, true); }
window.__qcListeners = [['click', onClick], ['mouseover', onOver], ['mouseout', onOut]];
for (const [type, fn] of window.__qcListeners) document.addEventListener(type, fn, true);
root.addEventListener('click', (ev) => {
  const o = ev.target && ev.target.closest ? ev.target.closest('a.qc-open') : null;
  if (!o) return;
  ev.preventDefault();
  trigger('click', {action: 'open', turn: Number(o.dataset.turn), n: Number(o.dataset.n)});
});
watch('value', () => { if (pending) { const c = card(pending); if (c) { pending = null; flash(c); } } });
