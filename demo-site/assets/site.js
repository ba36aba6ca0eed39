// Northwind demo site: the shared header and footer, so each page holds only its own content.
(function () {
  var header = document.createElement('header');
  header.className = 'site';
  header.innerHTML =
    '<div class="wrap"><a class="logo" href="/">◆ Northwind Analytics</a>' +
    '<nav><a href="/product">Product</a><a href="/pricing">Pricing</a><a href="/blog/account-based-attribution">Blog</a>' +
    '<a href="/webinar">Webinar</a></nav><a class="button" href="/demo">Book a demo</a></div>';
  document.body.insertBefore(header, document.body.firstChild);
  var footer = document.createElement('footer');
  footer.className = 'site';
  footer.innerHTML =
    '<div class="wrap">© 2026 Northwind Analytics, Inc. · A demo site for Touchline: every visit, campaign and form ' +
    'here is captured by the first-party snippet at <code>/s.js</code>. <a href="/dashboard">Open the dashboard</a></div>';
  document.body.appendChild(footer);
})();
