#!/bin/sh
# drachtio-server's command line from the environment: docker-compose.yml mounts this file and runs it as the
# drachtio container's entrypoint (docs/deploy.md). Prints the command it runs, then replaces itself with it.
#   DRACHTIO_CONTACTS  the whole contact list, e.g. "--contact sip:10.0.0.5:5060;transport=udp --external-ip 203.0.113.10"
#                      (when set, the variables below that make contacts are not used)
#   SIP_LOCAL_IP       address the SIP contacts bind (default * = every address; set it on a VM with several)
#   PUBLIC_IP          this host's public address, put in Via/Contact (--external-ip) of each contact
#   SIP_PORT           UDP and TCP (default 5060); SIP_WS_PORT ws (8088); SIP_WSS_PORT wss (8443) and
#                      SIP_TLS_PORT SIP over TLS for the trunk (5061), both only when DRACHTIO_CERTS_DIR holds
#                      cert.pem and key.pem (default /etc/drachtio/certs)
#   DRACHTIO_SECRET    the app's shared secret (default cymru); DRACHTIO_PORT its TCP port (9022), on
#                      DRACHTIO_ADMIN_ADDRESS (default 0.0.0.0; 127.0.0.1 on a host network)
set -eu
set -f # contacts hold '*': never a file name pattern

local_ip=${SIP_LOCAL_IP:-*}
certs=${DRACHTIO_CERTS_DIR:-/etc/drachtio/certs}

contact() {
  contacts="$contacts --contact $1"
  if [ -n "${PUBLIC_IP:-}" ]; then contacts="$contacts --external-ip $PUBLIC_IP"; fi
}

if [ -n "${DRACHTIO_CONTACTS:-}" ]; then
  contacts=$DRACHTIO_CONTACTS
else
  contacts=
  contact "sip:$local_ip:${SIP_PORT:-5060};transport=udp,tcp"
  contact "sip:$local_ip:${SIP_WS_PORT:-8088};transport=ws"
  if [ -r "$certs/cert.pem" ] && [ -r "$certs/key.pem" ]; then
    contact "sips:$local_ip:${SIP_WSS_PORT:-8443};transport=wss"
    contact "sips:$local_ip:${SIP_TLS_PORT:-5061};transport=tls"
    # sofia-sip's TLS needs a CA list, or the tls contact fails to bind ("error loading CA list"): the chain when
    # there is one, else the certificate itself (a self-signed one, or a leaf whose chain the peers already trust)
    chain="$certs/cert.pem"
    if [ -r "$certs/chain.pem" ]; then chain="$certs/chain.pem"; fi
    set -- --cert-file "$certs/cert.pem" --key-file "$certs/key.pem" --chain-file "$chain"
  fi
fi

# word splitting of $contacts is wanted: each --contact / --external-ip and its value is one argument
# shellcheck disable=SC2086
set -- $contacts "$@" --address "${DRACHTIO_ADMIN_ADDRESS:-0.0.0.0}" --port "${DRACHTIO_PORT:-9022}" --secret "${DRACHTIO_SECRET:-cymru}" \
  --loglevel "${DRACHTIO_LOGLEVEL:-info}" --sofia-loglevel "${DRACHTIO_SOFIA_LOGLEVEL:-3}"
echo "drachtio $*" | sed 's/--secret [^ ]*/--secret ***/' >&2
exec drachtio "$@"
