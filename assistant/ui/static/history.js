// The list of earlier chats: a click on a title reopens that chat, × deletes it after a confirmation.
element.addEventListener('click', (ev) => {
  const t = ev.target && ev.target.closest ? ev.target : null;
  const open = t && t.closest('a.qc-chat-open');
  const del = t && t.closest('a.qc-chat-delete');
  if (open) { ev.preventDefault(); trigger('click', {action: 'open', chat: open.dataset.chat}); }
  else if (del) { ev.preventDefault(); if (confirm(del.dataset.confirm || 'Delete?')) trigger('click', {action: 'delete', chat: del.dataset.chat}); }
});
