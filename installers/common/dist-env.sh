# installers/common/dist-env.sh — sourced by installers/*/mkdist.sh with
# "BUILD VERSION" as $1 $2 and PLATFORM set. Sets BUILD (absolute), VERSION,
# TOP, SRC (installers/$PLATFORM), GUI_PYZ (the GUI, when that file exists;
# $GUI_PYZ overrides BUILD/servin-gui.pyz), OUT (DIST_OUT or BUILD/dist),
# STAGE (a scratch folder in OUT), SOURCE_DATE_EPOCH (the commit time, so
# rebuilds are identical) and say().
BUILD=${1:?usage: mkdist.sh BUILD VERSION}
VERSION=${2:?usage: mkdist.sh BUILD VERSION}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SRC=$TOP/installers/$PLATFORM
BUILD=$(cd "$BUILD" && pwd)
GUI_PYZ=${GUI_PYZ:-$BUILD/servin-gui.pyz}
OUT=${DIST_OUT:-$BUILD/dist}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
STAGE=$OUT/.stage-$PLATFORM
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$TOP" log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH

say() { printf '  %-6s %s\n' DIST "$*"; }
