// The documents tab's viewer: scrolls to the marked span when a document is shown; × and Escape close it.
const show = () => {
  const m = element.querySelector('mark.qc-doc-mark');
  const box = element.querySelector('.qc-doc-text');
  if (m && box) { box.scrollTop = Math.max(0, m.offsetTop - box.offsetTop - box.clientHeight / 3); }
  else if (box) { box.scrollTop = 0; }
};
element.addEventListener('click', (ev) => {
  const x = ev.target && ev.target.closest ? ev.target.closest('a.qc-close') : null;
  if (!x) return;
  ev.preventDefault();
  trigger('click', {action: 'close'});
});
document.addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape' && element.querySelector('.qc-viewer') && element.offsetParent !== null) trigger('click', {action: 'close'});
});
watch('value', () => { requestAnimationFrame(() => requestAnimationFrame(show)); });
