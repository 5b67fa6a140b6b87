// The copy buttons: hidden in the markup, shown by this script, so that without JavaScript
// there is no button that does nothing. Inlined in each page (its hash is in the policy),
// so it holds no character HTML would escape: no ampersand, no angle bracket.
function copyByHand(text) {
  var area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  var copied = false;
  try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
  document.body.removeChild(area);
  return copied;
}
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    var text = document.getElementById(button.getAttribute("data-copy")).textContent;
    function said(word) {
      button.textContent = word;
      setTimeout(function () { button.textContent = "Copy"; }, 1500);
    }
    function byHand() { said(copyByHand(text) ? "Copied" : "Select and copy"); }
    var clipboard = navigator.clipboard;
    if (clipboard ? !clipboard.writeText : true) {
      byHand();
    } else {
      clipboard.writeText(text).then(function () { said("Copied"); }, byHand);
    }
  });
});
