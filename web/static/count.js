// Live count of matching roles: asks /count with the form's filters as the visitor changes them.
// The page works without it: the "Count matching roles" button posts the form instead.
(function () {
  "use strict";
  var form = document.getElementById("signup");
  var out = document.getElementById("live-count");
  if (!form || !out || !window.fetch || !window.URLSearchParams) { return; }
  var timer = null;
  var skip = { "csrf_token": 1, "website": 1, "email": 1, "action": 1 };

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (!skip[key]) { params.append(key, value); }
    });
    return params.toString();
  }

  function show(count) {
    out.textContent = "";
    if (count === null || count === undefined) { return; }
    var strong = document.createElement("strong");
    strong.textContent = String(count);
    out.appendChild(strong);
    out.appendChild(document.createTextNode(count === 1 ? " role matches today." : " roles match today."));
  }

  function refresh() {
    fetch("count?" + query(), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (body) { show(body.count); })
      .catch(function () { /* the button still works */ });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 350);
  });
  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  });
  refresh();
})();
