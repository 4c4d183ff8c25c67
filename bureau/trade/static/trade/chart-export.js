// Save a chart as PNG: the chart file the server draws for downloads (with its title and
// sources) is loaded from this site and drawn onto a canvas at twice its size.
(function () {
  "use strict";

  function savePng(button) {
    var image = new Image();
    image.onload = function () {
      var canvas = document.createElement("canvas");
      canvas.width = image.naturalWidth * 2;
      canvas.height = image.naturalHeight * 2;
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
    image.src = button.dataset.src;
  }

  document.querySelectorAll("button[data-png]").forEach(function (button) {
    button.hidden = false; // only offered where scripts run
    button.addEventListener("click", function () { savePng(button); });
  });
})();
