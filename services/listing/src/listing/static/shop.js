// The storefront's one script (a file: the pages' Content-Security-Policy allows no inline ones).
// A form submits once: a second click would only resend what is already on its way. Without
// JavaScript the pages work the same; the checkout form's token still places one order.
document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
  form.addEventListener("submit", function () {
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  });
});
