#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine (root): the real notary-server and notary client,
# the docker CLI, python-tuf and sigstore-python, promtool, systemd-analyze, sqlite3, a
# docker-registry with skopeo, and the libraries the build links.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# libssl-dev: RSA-PSS verification (VantageTUF); libsqlite3-dev: GRDB; notary: real notary-server and client
# for integration tests; iproute2: network namespaces; openssl/curl: test certificates and health checks;
# systemd: systemd-analyze verify/security for deploy/systemd; sqlite3 + python3-yaml: backup scripts and the
# Kubernetes/compose manifests and CI templates; prometheus: promtool checks and tests deploy/prometheus rules;
# gnupg + openssh-client: gpg and ssh-keygen make and fingerprint the key files of `file` targets in the tests.
apt-get install -y -qq --no-install-recommends libssl-dev libsqlite3-dev notary iproute2 openssl curl ca-certificates \
    systemd sqlite3 python3-yaml prometheus gnupg openssh-client >/dev/null
# podman + runc + mmdebstrap: the container image is built and run by Tests/VantageDeployTests (no registry: the
# base image comes from mmdebstrap).
apt-get install -y -qq --no-install-recommends podman runc mmdebstrap >/dev/null
# docker-registry (distribution 2.8) + skopeo + python3-cryptography: the real OCI registry of the `oci` target tests
# (Tests/VantageTestSupport/Registry), skopeo pushes and inspects images, the token server signs ES256 JWTs.
apt-get install -y -qq --no-install-recommends docker-registry skopeo python3-cryptography >/dev/null
# tinyproxy: the CI host's egress proxy of the CLI's proxy tests (HostProxyTests).
apt-get install -y -qq --no-install-recommends tinyproxy >/dev/null
# The docker CLI for the real-client test (`docker trust inspect` needs no daemon); Debian's docker.io when absent.
command -v docker >/dev/null || apt-get install -y -qq --no-install-recommends docker.io >/dev/null
# python-tuf: the real TUF client in the tests and the baseline of the root benchmark; sigstore-python: the real
# Sigstore client of the CI-host test (it takes tuf 7 too).
python3 -m pip install -q 'tuf>=7,<8' 'sigstore==4.5.1'
command -v sigstore >/dev/null || { command -v pyenv >/dev/null && pyenv rehash; }
