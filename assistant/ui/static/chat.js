// Runs once when the hidden Markdown store mounts. It holds each answer's Markdown (question, answer, sources)
// and the whole chat's: the copy link under an answer copies its turn, window.qcExport downloads the chat.
// It also remembers the open chat (data-chat) in localStorage, so a reload reopens it.
const area = (selector) => element.querySelector(selector);
const copyText = async (text) => {
  try { if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); return true; } } catch (e) {}
  const box = document.createElement('textarea');  // plain-http pages have no clipboard API: the old way
  box.value = text; box.style.position = 'fixed'; box.style.opacity = '0';
  document.body.appendChild(box); box.select();
  let ok = false; try { ok = document.execCommand('copy'); } catch (e) {}
  box.remove(); return ok;
};
const onCopy = async (ev) => {
  const a = ev.target && ev.target.closest ? ev.target.closest('a.qc-copy') : null;
  if (!a) return;
  ev.preventDefault(); ev.stopPropagation();
  const m = (a.getAttribute('href') || '').match(/^#qc-copy-(\d+)$/);
  const text = m && area('textarea[data-turn="' + m[1] + '"]');
  if (!text) return;
  window.qcCopied = text.value;  // what was copied, for people and tests alike
  const ok = await copyText(text.value);
  const label = a.textContent;
  a.textContent = ok ? (document.documentElement.lang === 'de' ? 'Kopiert ✓' : 'Copied ✓') : '✖';
  a.classList.add('qc-copied');
  setTimeout(() => { a.textContent = label; a.classList.remove('qc-copied'); }, 1500);
};
if (window.__qcCopy) document.removeEventListener('click', window.__qcCopy, true);
window.__qcCopy = onCopy;
document.addEventListener('click', onCopy, true);
window.qcExport = () => {
  const store = area('.qc-md'); const all = area('textarea.qc-md-all');
  if (!store || !all || store.dataset.turns === '0') return;
  const url = URL.createObjectURL(new Blob([all.value], {type: 'text/markdown;charset=utf-8'}));
  const a = document.createElement('a');
  a.href = url; a.download = store.dataset.file || 'quellenchat.md';
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
};
watch('value', () => {
  const store = area('.qc-md');
  if (store) { try { localStorage.setItem('qc-chat', store.dataset.chat || ''); } catch (e) {} }
});
