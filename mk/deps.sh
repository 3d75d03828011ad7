#!/bin/sh
# Install every Debian package the build and the tests need. Idempotent and
# quiet when everything is present; uses sudo when not root.
set -eu

# Build: compiler side and the libraries core/ and app/ link.
build="make gcc pkg-config libc6-dev
 libcurl4-openssl-dev libarchive-dev libcjson-dev libsqlite3-dev libuv1-dev
 libseccomp-dev libcap-dev libzstd-dev libisal-dev libssl-dev zlib1g-dev
 libncurses-dev libreadline-dev libcmocka-dev libnftables-dev libmnl-dev
 clang libclang-rt-14-dev"

# Tests and benchmarks: real peers, nothing downloaded from the internet.
tests="
 busybox-static
 tar
 gzip
 zstd
 openssl
 sqlite3
 python3
 jq
 skopeo
 umoci
 crun
 runc
 docker-registry
 apache2-utils
 podman
 conmon
 iproute2
 procps
 util-linux
 tmux
 ncurses-term
 curl
 systemd
 python3-docker
 docker-compose
 nftables
 wrk
 gnuplot-nox
 dpkg-dev
 makeself
 nsis
 xorriso
 p7zip-full
 lintian
 desktop-file-utils
 sudo
 xvfb
 xauth
 xdotool
 imagemagick
 python3-tk
 man-db
 groff-base
 shellcheck
 python3-flask
 python3-webview
 gir1.2-webkit2-4.0
 gir1.2-gtk-3.0
 python3-gi-cairo
 chromium
 fonts-dejavu-core
"

# dpkg-query names installed packages only; anything not listed is missing.
# shellcheck disable=SC2086
installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $build $tests 2>/dev/null |
	awk '$1 == "ii" { print $2 }')
missing=
for p in $build $tests; do
	case " $(echo $installed) " in *" $p "*) ;; *) missing="$missing $p" ;; esac
done
# The docker CLI alone (never a daemon): see mk/docker-cli.sh.
"$(dirname "$0")/docker-cli.sh"
# Playwright for the GUI's browser tests, from gui/tests/package-lock.json.
"$(dirname "$0")/gui-deps.sh"
[ -n "$missing" ] || exit 0

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "deps: installing $missing"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
