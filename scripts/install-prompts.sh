#!/usr/bin/env bash
# Install the IVR's prompts into a FreeSWITCH sounds directory (default /usr/local/freeswitch/sounds/callback).
#
# Source: Debian's asterisk-core-sounds-en-wav (voice prompts, 8 kHz) and asterisk-moh-opsound-wav (hold music),
# both by Digium/Sangoma and opsound.org artists under CC-BY-SA 3.0 (see freeswitch-conf/README.md).
#   apt-get install -y asterisk-core-sounds-en-wav asterisk-moh-opsound-wav sox
# Two phrases the Asterisk set lacks ("press 1 ... press 2 ...", "we will call you back") are assembled
# from recorded words; with --tts they are spoken by espeak-ng instead.
# Every file is written as 8 kHz mono 16-bit WAV (what FreeSWITCH plays on a PCMU/PCMA leg without resampling).
set -euo pipefail

DEST=/usr/local/freeswitch/sounds/callback
TTS=0
for a in "$@"; do
  case "$a" in
    --tts) TTS=1 ;;
    -h|--help) echo "usage: $0 [--tts] [DEST]"; exit 0 ;;
    *) DEST="$a" ;;
  esac
done

VOICE=""
for d in /usr/share/asterisk/sounds/en_US_f_Allison /usr/share/asterisk/sounds/en; do
  [ -f "$d/hello.wav" ] && VOICE="$d" && break
done
[ -n "$VOICE" ] || { echo "asterisk-core-sounds-en-wav is not installed (apt-get install asterisk-core-sounds-en-wav)" >&2; exit 1; }
MOH=""
for d in /usr/share/asterisk/moh /usr/share/asterisk/moh/opsound; do
  ls "$d"/*.wav >/dev/null 2>&1 && MOH="$d" && break
done
command -v sox >/dev/null || { echo "sox is needed (apt-get install sox)" >&2; exit 1; }

mkdir -p "$DEST/digits" "$DEST/moh"
conv() { sox "${@:1:$#-1}" -r 8000 -c 1 -b 16 -e signed-integer "${@: -1}"; }   # conv in... out.wav
v() { echo "$VOICE/$1.wav"; }

# digits for "about N minutes" and reading numbers back
for f in "$VOICE"/digits/*.wav; do conv "$f" "$DEST/digits/$(basename "$f")"; done

# single recorded prompts, under the names the app's default PromptSet uses
copy() { conv "$(v "$1")" "$DEST/$2"; }
copy queue-holdtime   queue-holdtime.wav        # "the estimated hold time is currently"
copy queue-minute     queue-minute.wav
copy queue-minutes    queue-minutes.wav
copy queue-less-than  queue-less-than.wav
copy vm-from-phonenumber vm-from-phonenumber.wav
copy if-correct-press if-correct-press.wav      # "if this is correct, press 1"
copy vm-enter-num-to-call vm-enter-num-to-call.wav
copy invalid          invalid.wav
copy auth-thankyou    auth-thankyou.wav
copy please-try-call-later please-try-call-later.wav
copy goodbye          goodbye.wav
copy pls-hold-while-try pls-hold-while-try.wav
copy hello            hello.wav

# greeting: "hello" + "all representatives are busy ... please wait"
conv "$(v hello)" "$(v queue-periodic-announce)" "$DEST/welcome.wav"

# the offer: "press 1 ... to call back; press 2 ... to stay on hold" (TTS only with --tts)
if [ "$TTS" = 1 ] && command -v espeak-ng >/dev/null; then
  espeak-ng -v en-us -s 150 -w /tmp/offer.$$.wav "To be called back when an agent is free, press 1. To keep waiting, press 2."
  conv /tmp/offer.$$.wav "$DEST/offer-callback.wav"; rm -f /tmp/offer.$$.wav
else
  conv "$(v vm-tocallback)" "$(v vm-press)" "$VOICE/digits/1.wav" "$(v vm-press)" "$VOICE/digits/2.wav" "$(v queue-thankyou)" "$DEST/offer-callback.wav"
fi

# the time-slot offer (ivr.offerSlot): "<slot-offer> today at 2 30 p m <slot-press-2>"; the day and time come
# from digits/ at run time (today, tomorrow, day-N, at, oh, oclock, a-m, p-m)
if [ "$TTS" = 1 ] && command -v espeak-ng >/dev/null; then
  espeak-ng -v en-us -s 150 -w /tmp/slot.$$.wav "To be called back as soon as possible, press 1. For the next time available,"
  conv /tmp/slot.$$.wav "$DEST/slot-offer.wav"
  espeak-ng -v en-us -s 150 -w /tmp/slot.$$.wav "press 2."
  conv /tmp/slot.$$.wav "$DEST/slot-press-2.wav"; rm -f /tmp/slot.$$.wav
else
  conv "$(v vm-tocallback)" "$(v vm-press)" "$VOICE/digits/1.wav" "$(v for)" "$(v time)" "$DEST/slot-offer.wav"
  conv "$(v vm-press)" "$VOICE/digits/2.wav" "$DEST/slot-press-2.wav"
fi

# the answer check (telephony.services.<name>.answerCheck): "... press 1 to be connected"
if [ "$TTS" = 1 ] && command -v espeak-ng >/dev/null; then
  espeak-ng -v en-us -s 150 -w /tmp/check.$$.wav "Hello, we are returning your call. Press 1 to be connected."
  conv /tmp/check.$$.wav "$DEST/answer-check.wav"; rm -f /tmp/check.$$.wav
else
  conv "$(v hello)" "$(v vm-press)" "$VOICE/digits/1.wav" "$DEST/answer-check.wav"
fi

# hold music
if [ -n "$MOH" ]; then
  for f in "$MOH"/*.wav; do conv "$f" "$DEST/moh/$(basename "$f")"; done
  # the default holdMusic file name; fall back to the first track
  [ -f "$DEST/moh/macroform-robot_dity.wav" ] || cp "$(ls "$DEST"/moh/*.wav | head -1)" "$DEST/moh/macroform-robot_dity.wav"
else
  echo "asterisk-moh-opsound-wav is not installed: hold music is a 1 s tone loop instead" >&2
  sox -n -r 8000 -c 1 -b 16 "$DEST/moh/macroform-robot_dity.wav" synth 0.5 sine 440 pad 0 0.5
fi

cat > "$DEST/CREDITS.txt" <<TXT
Voice prompts: Asterisk core sounds (en, Allison Smith), (C) Digium, Inc./Sangoma, CC-BY-SA 3.0.
Hold music: opsound.org tracks shipped as asterisk-moh-opsound, CC-BY-SA 3.0.
https://creativecommons.org/licenses/by-sa/3.0/
TXT
echo "prompts installed in $DEST ($(find "$DEST" -name '*.wav' | wc -l) files)"
