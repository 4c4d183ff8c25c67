// Save a chart drawn on the page as PNG: the SVG is drawn onto a canvas at twice its size.
// The SVG carries its own fonts and colours, so the picture matches the page.
(function () {
  "use strict";

  function savePng(button) {
    var figure = button.closest("figure");
    var svg = figure && figure.querySelector("svg");
    if (!svg) return;
    var width = svg.viewBox.baseVal.width || svg.clientWidth;
    var height = svg.viewBox.baseVal.height || svg.clientHeight;
    var source = new XMLSerializer().serializeToString(svg);
    var image = new Image();
    image.onload = function () {
      var canvas = document.createElement("canvas");
      canvas.width = width * 2;
      canvas.height = height * 2;
      var context = canvas.getContext("2d");
      context.fillStyle = "#ffffff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) {
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = button.dataset.png;
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
      }, "image/png");
    };
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(source);
  }

  document.querySelectorAll("button[data-png]").forEach(function (button) {
    button.hidden = false; // only offered where scripts run
    button.addEventListener("click", function () { savePng(button); });
  });
})();
