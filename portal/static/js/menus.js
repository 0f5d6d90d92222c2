// Disclosure menus (<details class="user-menu">): Escape closes an open menu and gives focus back to its summary;
// a click or focus outside closes it. Progressive enhancement only: without this file the menu still opens and
// closes with its summary (Enter, Space or a click).
(function () {
  function openMenus() { return document.querySelectorAll("details.user-menu[open]"); }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    openMenus().forEach(function (menu) {
      menu.removeAttribute("open");
      if (menu.contains(document.activeElement)) { menu.querySelector("summary").focus(); }
    });
  });

  function closeOutside(event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.removeAttribute("open"); }
    });
  }
  document.addEventListener("click", closeOutside);
  document.addEventListener("focusin", closeOutside);
})();
