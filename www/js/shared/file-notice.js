// Opened from disk (file://), a page would stay half drawn: browsers refuse module scripts,
// workers and fetch() from file:// URLs, so nothing of padlens runs. This classic script (which
// browsers do run from disk) says instead, in the page, what to run. Over http(s) it does
// nothing. Loaded with `defer` by every page, so the body exists when it runs.

if (location.protocol === 'file:') {
  document.documentElement.classList.add('from-file');
  const notice = document.createElement('main');
  notice.className = 'file-notice';
  const heading = document.createElement('h1');
  heading.textContent = 'padlens needs a web server';
  const why = document.createElement('p');
  why.textContent =
    'This page was opened from disk. Browsers do not run its modules, workers and WebAssembly from file:// addresses, so it cannot draw anything here. Serve the folder over http instead:';
  const ways = document.createElement('ul');
  for (const [command, what] of [
    ['./build.sh serve', 'in the padlens repository: builds the WebAssembly and serves www/ at http://127.0.0.1:8000/'],
    ['python3 -m http.server 8000', 'or any static file server, run in the folder that holds this page (www/ once built, or the dist/ of ./build.sh dist), then open http://127.0.0.1:8000/'],
  ]) {
    const item = document.createElement('li');
    const code = document.createElement('code');
    code.textContent = command;
    item.append(code, ` — ${what}`);
    ways.append(item);
  }
  notice.append(heading, why, ways);
  document.body.prepend(notice);
}
