// Scrolls the viewer to the marked span whenever a document is opened; × closes it.
const show = () => {
  const m = element.querySelector('mark.qc-doc-mark');
  const box = element.querySelector('.qc-doc-text');
  if (m && box) { box.scrollTop = Math.max(0, m.offsetTop - box.offsetTop - box.clientHeight / 3); m.scrollIntoView({block: 'nearest', behavior: 'smooth'}); }
  else if (box) { box.scrollTop = 0; }
};
element.addEventListener('click', (ev) => {
  const x = ev.target && ev.target.closest ? ev.target.closest('a.qc-close') : null;
  if (!x) return;
  ev.preventDefault();
  trigger('click', {action: 'close'});
});
watch('value', () => { requestAnimationFrame(() => requestAnimationFrame(show)); });
