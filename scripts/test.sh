#!/usr/bin/env bash
# The test command of the README: makes sure what the tests need is installed, builds everything and runs the suite.
# Missing tools are installed with scripts/install-test-deps.sh when this runs as root on Debian (set
# VANTAGE_NO_INSTALL=1 to be told instead); otherwise it names them and the one command that installs them.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for tool in notary-server notary docker docker-registry skopeo tinyproxy gpg ssh-keygen sqlite3 promtool systemd-analyze openssl curl ip; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
python3 -c 'import tuf, yaml' 2>/dev/null || missing+=("python-tuf/PyYAML")
/usr/bin/python3 -c 'import cryptography' 2>/dev/null || missing+=("python3-cryptography")
for package in libssl-dev libsqlite3-dev; do
    dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
command -v sigstore >/dev/null || missing+=("sigstore-python")
if ((${#missing[@]})); then
    if [[ $(id -u) == 0 && -z "${VANTAGE_NO_INSTALL:-}" ]] && command -v apt-get >/dev/null; then
        echo "test.sh: installing what the tests need (${missing[*]}): scripts/install-test-deps.sh" >&2
        scripts/install-test-deps.sh
    else
        echo "test.sh: missing ${missing[*]}; install with: sudo scripts/install-test-deps.sh" >&2
        exit 1
    fi
fi
swift build --build-tests
# The coordinator's deadline suites run on their own after the rest: under the whole suite's load on 2 cores the
# routes' tasks can wait longer than the connection deadlines these tests set (seen: a 1 s body timeout answered only
# after the connection's own deadline closed it), so beside everything else they would test the machine's load.
deadlines='SlowClientTests|ConnectionLimitTests|IngestCostTests'
# The suites that start real registries, push with skopeo and make keys with gpg/ssh-keygen/openssl also run on their
# own: beside everything else on 2 cores they starve the other suites' probes past their own deadlines.
registries='RegistryFixtureTests|RegistryManifestTests|ContentProberTests|ContentSystemTests|ResolveRegistryTests|FileContentSourceTests|FileInstallTests|KeyFileFactsTests'
# Twelve test cases at a time: all 450 at once queue every probe behind the others' work on the two threads of the
# cooperative pool, past the probes' own deadlines (CI, 2026-12-08: refusals reported as timeouts). Also faster.
export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=${SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH:-12}
# The container image test (VANTAGE_TEST_RELEASE_BUILD=1) runs podman builds and containers: alone, at the end.
image='releaseBinariesLinkOnlyRuntimePackagesAndTheImageRuns'
swift test --skip-build --skip "$deadlines|$registries|$image"
swift test --skip-build --filter "$registries"
# One suite at a time: each sets connection deadlines of a few seconds that must not measure the other two.
for suite in ${deadlines//|/ }; do swift test --skip-build --filter "$suite"; done
if [[ ${VANTAGE_TEST_RELEASE_BUILD:-} == 1 ]]; then swift test --skip-build --filter "$image"; fi
