#!/bin/sh
# Installs the real peers the tests drive (Debian packages). Idempotent: installs only what is
# missing. Without root it cannot install: it says so loudly, and the tests that need a tool
# fail naming it rather than passing silently.
PKGS_BIN="
curl:curl
atftp:atftp
tftp:tftp-hpa
in.tftpd:tftpd-hpa
sipp:sip-tester
udhcpc:udhcpc
dhclient:isc-dhcp-client
perfdhcp:kea-admin
dhcping:dhcping
nmap:nmap
dnsmasq:dnsmasq
keepalived:keepalived
arping:iputils-arping
ping:iputils-ping
ip:iproute2
tshark:tshark
socat:socat
sshd:openssh-server
fail2ban-regex:fail2ban
ssh:openssh-client
"
missing=""
for pair in $PKGS_BIN; do
  bin=${pair%%:*}; pkg=${pair#*:}
  if ! command -v "$bin" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$bin" ]; then missing="$missing $pkg"; fi
done
# atftpd conflicts with tftpd-hpa as a package; the bench unpacks its binary privately.
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "!!! test tools missing:$missing"
    echo "!!! not root: cannot apt-get install them; tests that need them will FAIL (run as root or install by hand)"
    exit 0
  fi
  echo "== installing test tools:$missing"
  export DEBIAN_FRONTEND=noninteractive
  # Keep packaged daemons (tftpd-hpa, dnsmasq, keepalived, ssh) from starting in the root namespace.
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; fi
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
echo "== test tools present"
# The native TFTP pump: the tests run the TFTP server on it (and on the JS engine), so build it
# now, from the current pump.c. No compiler: install one (root) or say loudly what fails.
if ! command -v cc >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing a C compiler for the TFTP pump"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null
  fi
fi
if ! sh net/tftp/native/build.sh; then
  echo "!!! the TFTP pump did not build: every TFTP test on the native engine will FAIL (see above)"
fi
