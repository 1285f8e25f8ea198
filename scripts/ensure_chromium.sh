#!/bin/sh
# The browser test drives Debian's Chromium through Playwright (never `playwright install`, which downloads).
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser test"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null || {
    echo "could not install chromium with apt-get; the browser test will fail" >&2; exit 0; }
else
  echo "chromium not found at /usr/bin/chromium: install it (sudo apt-get install chromium) for the browser test" >&2
fi
