// The copy buttons, and a package's row of badges drawn as it is chosen. What only works
// with a script is hidden in the markup and shown here, and what works without one (the
// builder's button that sends its form) hidden, so that no button does nothing. Inlined in
// each page (its hash is in the policy), so it holds no character HTML would escape: no
// ampersand, no angle bracket (written as \u0026, \u003c and \u003e).
var AMP = "\u0026";

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

// A box the page shows (the row's snippet) is selected where it is: if copying fails, it
// stays selected for the keyboard's copy.
function selectAndCopy(area) {
  area.focus();
  area.select();
  try { return document.execCommand("copy"); } catch (e) { return false; }
}

document.querySelectorAll("button[data-copy]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    var source = document.getElementById(button.getAttribute("data-copy"));
    var shown = source.tagName == "TEXTAREA";
    var text = shown ? source.value : source.textContent;
    function said(word) {
      button.textContent = word;
      setTimeout(function () { button.textContent = "Copy"; }, 1500);
    }
    function byHand() {
      said((shown ? selectAndCopy(source) : copyByHand(text)) ? "Copied" : "Select and copy");
    }
    var clipboard = navigator.clipboard;
    if (clipboard ? !clipboard.writeText : true) {
      byHand();
    } else {
      clipboard.writeText(text).then(function () { said("Copied"); }, byHand);
    }
  });
});

// The twin of row_snippets and badge_query in pypipins/web/snippets.py: the browser test
// holds both to the same text.
var HTML_ESCAPES = {"\u0026": AMP + "amp;", "\u003c": AMP + "lt;", "\u003e": AMP + "gt;",
                    "\"": AMP + "quot;", "'": AMP + "#x27;"};

function escapeHtml(text) {
  return text.replace(/[\u0026\u003c\u003e"']/g, function (c) { return HTML_ESCAPES[c]; });
}

function oneLine(text) {
  return text.trim().split(/\s+/).join(" ");
}

function markdownText(text) {
  return oneLine(text).replace(/[\\`*_\[\]\u003c\u003e\u0026!~|]/g, function (c) { return "\\" + c; });
}

// What Python's urlencode writes of a value (quote_plus).
function quotePlus(text) {
  return encodeURIComponent(text).replace(/[!'()*]/g, function (c) {
    return "%" + c.charCodeAt(0).toString(16).toUpperCase();
  }).replace(/%20/g, "+");
}

function badgeQuery(style, logo) {
  var parts = [];
  if (style != "flat") { parts.push("style=" + quotePlus(style)); }
  if (logo) { parts.push("logo=" + quotePlus(logo)); }
  return parts.join(AMP);
}

function badgePath(kind, name, query) {
  return "/" + kind + "/" + name + "/badge.svg" + (query ? "?" + query : "");
}

function rowSnippets(base, name, badges, query) {
  var target = "https://pypi.org/project/" + name + "/";
  if (!badges.length) { return {markdown: "", rst: "", html: ""}; }
  var images = badges.map(function (badge) {
    return {kind: badge.kind, alt: badge.alt, image: base + badgePath(badge.kind, name, query)};
  });
  return {
    markdown: images.map(function (i) {
      return "[![" + markdownText(i.alt) + "](" + i.image + ")](" + target + ")";
    }).join("\n"),
    rst: images.map(function (i) { return "|" + i.kind + "|"; }).join(" ") + "\n\n" +
      images.map(function (i) {
        return ".. |" + i.kind + "| image:: " + i.image + "\n    :target: " + target +
          "\n    :alt: " + oneLine(i.alt);
      }).join("\n"),
    html: images.map(function (i) {
      return "\u003ca href=\"" + escapeHtml(target) + "\"\u003e\u003cimg src=\"" + escapeHtml(i.image) +
        "\" alt=\"" + escapeHtml(i.alt) + "\"\u003e\u003c/a\u003e";
    }).join("\n")
  };
}

var MOST_ROWS = 24;  // row.py's MOST_ROWS

var builder = document.getElementById("builder");
if (builder) {
  builder.querySelectorAll("[data-nojs]").forEach(function (element) { element.hidden = true; });
  var base = builder.getAttribute("data-base");
  // the page's package: the field may be typed in, and is only sent by its button
  var name = builder.getAttribute("data-package");
  var preview = document.getElementById("row-preview");
  var snippet = document.getElementById("row-snippet");
  var logoField = builder.elements.logo;

  var redraw = function (loaded) {
    var badges = Array.from(builder.querySelectorAll("input[name=badge]:checked")).map(function (box) {
      return {kind: box.value, alt: box.getAttribute("data-alt")};
    });
    var style = builder.querySelector("input[name=style]:checked").value;
    // a logo that is not an icon's name (the field says so) is left out, as the server would refuse it
    var logo = logoField.validity.valid ? logoField.value.trim() : "";
    var query = badgeQuery(style, logo);
    var text = rowSnippets(base, name, badges, query)[builder.querySelector("input[name=format]:checked").value];
    // the snippet says the whole row: the same, the page's row is drawn already
    if (loaded ? text == snippet.value : false) { return; }
    preview.replaceChildren.apply(preview, badges.map(function (badge) {
      var image = document.createElement("img");
      image.src = badgePath(badge.kind, name, query);
      image.alt = badge.alt;
      return image;
    }));
    snippet.value = text;
    snippet.rows = Math.min(text.split("\n").length + 1, MOST_ROWS);
    if (loaded) { return; }
    // the address says the row, as the form sent would: a reload or a link shows it again
    var sent = new URLSearchParams(new FormData(builder));
    sent.set("package", name);
    history.replaceState(null, "", "?" + sent.toString());
  };

  // a logo typed in is drawn when the typing pauses, not for each letter
  var typing = null;
  builder.addEventListener("input", function (event) {
    if (event.target == logoField) {
      clearTimeout(typing);
      typing = setTimeout(function () { redraw(false); }, 400);
    } else if (event.target.name != "package") {
      redraw(false);
    }
  });
  // a logo taken from the list, or the field left
  logoField.addEventListener("change", function () { clearTimeout(typing); redraw(false); });
  // a form the browser filled in again (back, reload) may not be the row the page was made
  // with; the address stays as it was asked
  redraw(true);
}
