// Runs in <head> before Gradio starts: the interface language (a saved choice, else the browser's), set as
// <html lang> at once, and this browser's random id for its chat history (kept in localStorage, never shown).
(() => {
  const pick = () => {
    try { const saved = localStorage.getItem('qc-lang'); if (saved === 'de' || saved === 'en') return saved; } catch (e) {}
    const langs = (navigator.languages && navigator.languages.length) ? navigator.languages : [navigator.language || 'en'];
    return langs.map((l) => String(l).toLowerCase().slice(0, 2)).find((l) => l === 'de' || l === 'en') || 'en';
  };
  window.qcLang = pick();
  const root = document.documentElement;
  root.lang = window.qcLang;
  // Gradio sets <html lang> to the browser's locale for its own strings; the page's language is ours.
  new MutationObserver(() => { if (root.lang !== window.qcLang) root.lang = window.qcLang; })
    .observe(root, {attributes: true, attributeFilter: ['lang']});
  let id = null;
  try { id = localStorage.getItem('qc-browser'); } catch (e) {}
  if (!id || !/^[0-9a-f]{32}$/.test(id)) {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    id = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    try { localStorage.setItem('qc-browser', id); } catch (e) {}
  }
  window.qcBrowser = id;
})();
