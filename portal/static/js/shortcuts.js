// Keyboard shortcuts of a form marked `data-shortcut-form` (operator intake), shown on the page with <kbd>:
//   Ctrl+Enter (Cmd+Enter)              press the form's `data-shortcut="save"` button;
//   Ctrl+Shift+Enter (Cmd+Shift+Enter)  answered on the spot: tick `answer_now`, then save when the answer is
//                                        written, else move to the answer box.
// Only these chords: every other key is left to the field that has focus (no access keys, no single letters).
(function () {
  "use strict";

  function formFor(target) {
    var form = target && target.closest ? target.closest("form[data-shortcut-form]") : null;
    if (!form) {  // focus outside any form (the page, the caller's history beside it): the page's one form
      var forms = document.querySelectorAll("form[data-shortcut-form]");
      form = forms.length === 1 ? forms[0] : null;
    }
    return form;
  }

  function save(form) {
    var button = form.querySelector("[data-shortcut=save]");
    if (button && button.disabled) { return; }
    if (form.requestSubmit) { form.requestSubmit(button || undefined); } else if (button) { button.click(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.altKey || event.isComposing) { return; }
    var form = formFor(event.target);
    if (!form) { return; }
    event.preventDefault();
    if (!event.shiftKey) { save(form); return; }
    var tick = form.querySelector("input[name=answer_now]");
    var answer = form.querySelector("textarea[name=answer_text]");
    if (!tick || !answer) { return; }
    if (!tick.checked) {
      tick.checked = true;
      tick.dispatchEvent(new Event("change", {bubbles: true}));
    }
    if (answer.value.trim().length >= 5) { save(form); } else { answer.focus(); }
  });
})();
