// Progressive enhancement only: every flow works without this file.
document.documentElement.classList.add("js");
document.addEventListener("click", function (event) {
  if (event.target.closest(".js-print")) { window.print(); }
});
// Move focus to the first field with an error after htmx re-renders a form.
document.addEventListener("htmx:afterSwap", function (event) {
  var target = event.detail.target;
  if (target && target.tagName === "FORM" || (target && target.querySelector && target.querySelector("form"))) {
    var invalid = document.querySelector("[aria-invalid=true]");
    if (invalid && event.detail.requestConfig && event.detail.requestConfig.verb === "post"
        && event.detail.requestConfig.elt && event.detail.requestConfig.elt.tagName === "FORM") {
      invalid.focus();
    }
  }
});
