#!/usr/bin/env bash
# Builds the labelled AMD corpus into corpus/ (gitignored): humans answering, answering machines and
# carrier messages (with and without a record beep), silence and fax tones, all through a G.711 round
# trip. Real voice: Debian asterisk-core-sounds-en-wav (Allison Smith, CC-BY-SA 3.0); synthetic voices:
# espeak-ng. Labels in corpus/manifest.csv; the tune/heldout split is a hash of the item id; items with
# texts and voices used nowhere else are in a third split, "fresh" (never used for tuning).
#
#   scripts/make-amd-corpus.sh [OUT_DIR]      (default: corpus)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-corpus}"
for tool in sox soxi espeak-ng; do
  command -v "$tool" >/dev/null || { echo "make-amd-corpus: $tool missing (apt-get install -y sox espeak-ng asterisk-core-sounds-en-wav)" >&2; exit 2; }
done
SOUNDS=""
for d in /usr/share/asterisk/sounds/en /usr/share/asterisk/sounds/en_US_f_Allison; do
  [ -f "$d/hello.wav" ] && { SOUNDS="$d"; break; }
done
[ -n "$SOUNDS" ] || echo "make-amd-corpus: asterisk-core-sounds-en-wav not found, building synthetic voices only" >&2

rm -rf "$OUT" && mkdir -p "$OUT/audio"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
MANIFEST="$OUT/manifest.csv"
echo "id,file,label,kind,voice,condition,speech_end_ms,beep_ms,split" > "$MANIFEST"
N=0

ms() { awk -v d="$1" 'BEGIN { printf "%d", d * 1000 + 0.5 }'; }
dur() { soxi -D "$1"; }
# deterministic 0..9 from the item id
bucket() { printf %s "$1" | cksum | awk '{ print $1 % 10 }'; }
split_of() { if [ "$(bucket "$1")" -lt 4 ]; then echo heldout; else echo tune; fi; }

# clean 8 kHz 16-bit mono, silence trimmed both ends, normalised
norm8k() { sox "$1" -r 8000 -c 1 -b 16 "$2" silence 1 0.02 -45d reverse silence 1 0.02 -45d reverse norm -4; }
say() { # text voice speed pitch out
  espeak-ng -v "$2" -s "$3" -p "$4" -w "$TMP/say.wav" "$1"
  norm8k "$TMP/say.wav" "$5"
}
real() { norm8k "$SOUNDS/$1.wav" "$2"; }
silence() { sox -n -r 8000 -c 1 -b 16 "$2" trim 0 "$1"; }
tone() { sox -n -r 8000 -c 1 -b 16 "$3" synth "$2" sine "$1" vol 0.4; }

# finish: mix in noise, quiet, G.711 round trip, store; args: id label kind voice src.wav speech_end beep variant
finish() {
  local id="$1" label="$2" kind="$3" voice="$4" src="$5" speech_end="$6" beep="$7" variant="$8"
  local d; d="$(dur "$src")"
  local cur="$src"
  case "$variant" in
    quiet) sox "$cur" "$TMP/v.wav" gain -20; cur="$TMP/v.wav" ;;
    noisy) sox -n -r 8000 -c 1 -b 16 "$TMP/n.wav" synth "$d" pinknoise vol 0.03
           sox -m -v 1 "$cur" -v 1 "$TMP/n.wav" "$TMP/v.wav"; cur="$TMP/v.wav" ;;
    hiss)  sox -n -r 8000 -c 1 -b 16 "$TMP/n.wav" synth "$d" whitenoise vol 0.004
           sox -m -v 1 "$cur" -v 1 "$TMP/n.wav" "$TMP/v.wav"; cur="$TMP/v.wav" ;;
    loud)  # street/car noise at roughly 15 dB SNR: brown + pink noise, slowly modulated
           sox -n -r 8000 -c 1 -b 16 "$TMP/n.wav" synth "$d" brownnoise vol 0.25 synth pinknoise mix vol 0.5 tremolo 0.3 40
           sox -m -v 1 "$cur" -v 1 "$TMP/n.wav" "$TMP/v.wav"; cur="$TMP/v.wav" ;;
    hum)   # mains hum (60 Hz and harmonics) plus hiss
           sox -n -r 8000 -c 1 -b 16 "$TMP/h1.wav" synth "$d" sine 60 vol 0.05
           sox -n -r 8000 -c 1 -b 16 "$TMP/h2.wav" synth "$d" sine 180 vol 0.02
           sox -n -r 8000 -c 1 -b 16 "$TMP/n.wav" synth "$d" whitenoise vol 0.004
           sox -m -v 1 "$cur" -v 1 "$TMP/h1.wav" -v 1 "$TMP/h2.wav" -v 1 "$TMP/n.wav" "$TMP/v.wav"; cur="$TMP/v.wav" ;;
  esac
  local file
  case $((N % 4)) in
    0) file="audio/$id.wav"; sox "$cur" -e u-law "$OUT/$file" ;;                      # μ-law WAV
    1) file="audio/$id.wav"; sox "$cur" -e a-law "$TMP/g.wav"; sox "$TMP/g.wav" -e signed-integer -b 16 "$OUT/$file" ;;
    2) file="audio/$id.wav"; sox "$cur" -e u-law "$TMP/g.wav"; sox "$TMP/g.wav" -r 16000 -e signed-integer -b 16 "$OUT/$file" ;;
    3) file="audio/$id.wav"; sox "$cur" -e a-law "$OUT/$file" ;;                      # A-law WAV
  esac
  echo "$id,$file,$label,$kind,$voice,$variant,$speech_end,$beep,$(split_of "$id")" >> "$MANIFEST"
  N=$((N + 1))
}

VOICES=(en-us en-gb+f3 en-gb-x-rp+m3 en-us+f2 en-029+m7 en-gb-scotland+f4 en-us+klatt en-gb-x-gbclan+f1)
SPEEDS=(150 175 165 185 140 170 160 180)
PITCHES=(50 60 40 70 45 55 35 65)
VARIANTS=(clean hiss noisy quiet loud hum)

# ---------- humans: a short answer, then silence (waiting for the caller) ----------
HUMAN_TEXTS=("hello?" "hello" "yes, hello" "hi" "yeah?" "hello, this is Mark" "Anna speaking" "good morning"
  "hello, who is this?" "speaking" "yes?" "John Smith" "hello, Peter here" "hey" "hello, Miller")
human() { # id voice-tag clean.wav lead variant [after]
  local id="$1" voice="$2" clean="$3" lead="$4" variant="$5"
  local sd; sd="$(dur "$clean")"
  silence "$lead" "$TMP/lead.wav"; silence 4.5 "$TMP/tail.wav"
  sox "$TMP/lead.wav" "$clean" "$TMP/tail.wav" "$TMP/h.wav"
  finish "$id" HUMAN "$6" "$voice" "$TMP/h.wav" "$(ms "$(awk -v a="$lead" -v b="$sd" 'BEGIN{print a+b}')")" "" "$variant"
}
i=0
for t in "${HUMAN_TEXTS[@]}"; do
  for k in 0 1 2 3 4 5 6; do
    v=$(( (i + k * 3) % ${#VOICES[@]} ))
    say "$t" "${VOICES[$v]}" "${SPEEDS[$v]}" "${PITCHES[$v]}" "$TMP/c.wav"
    lead=$(awk -v x=$(( (i * 7 + k * 13) % 16 )) 'BEGIN{printf "%.2f", 0.2 + x * 0.1}')
    human "human-tts-$i-$k" "${VOICES[$v]}" "$TMP/c.wav" "$lead" "${VARIANTS[$(( (i + k) % 6 ))]}" answer
  done
  i=$((i + 1))
done
# two hellos with a pause
for k in 0 1 2 3 4 5 6 7; do
  v=$(( k % ${#VOICES[@]} ))
  say "hello?" "${VOICES[$v]}" "${SPEEDS[$v]}" "${PITCHES[$v]}" "$TMP/a.wav"
  pause=$(awk -v x=$k 'BEGIN{printf "%.2f", 0.3 + (x % 4) * 0.12}')
  silence "$pause" "$TMP/p.wav"; sox "$TMP/a.wav" "$TMP/p.wav" "$TMP/a.wav" "$TMP/c.wav"
  human "human-tts-2hello-$k" "${VOICES[$v]}" "$TMP/c.wav" "0.$((3 + k))" "${VARIANTS[$(( k % 6 ))]}" two_hellos
done
if [ -n "$SOUNDS" ]; then
  k=0
  for variant in clean hiss noisy quiet clean noisy; do
    real hello "$TMP/c.wav"; human "human-real-hello-$k" allison "$TMP/c.wav" "0.$((2 + k))" "$variant" answer
    real hello-world "$TMP/c.wav"; human "human-real-helloworld-$k" allison "$TMP/c.wav" "0.$((4 + k))" "$variant" answer
    real hello "$TMP/a.wav"; silence "0.$((3 + k))" "$TMP/p.wav"; sox "$TMP/a.wav" "$TMP/p.wav" "$TMP/a.wav" "$TMP/c.wav"
    human "human-real-2hello-$k" allison "$TMP/c.wav" "0.$((2 + k))" "$variant" two_hellos
    k=$((k + 1))
  done
fi

# ---------- machines: greeting, optional record beep, then silence ----------
MACHINE_TEXTS=(
  "Hi, you've reached John. I can't come to the phone right now, please leave a message after the tone."
  "Hello, this is Sarah. I'm not available at the moment. Leave your name and number and I'll call you back."
  "You have reached the voicemail of Peter Miller. Please leave a message."
  "Hey, it's Mike, leave a message."
  "Thank you for calling the Andersons. We can't take your call, please leave a message after the beep."
  "The person you are calling is not available. Please leave a message after the tone."
  "The number you have dialed is not available. Please try again later."
  "The subscriber you have called is not available. Please leave your message after the tone."
  "Hi, this is Dr. Lee's office. Our office is currently closed. Please leave a message and we will return your call."
  "Sorry I missed your call, leave a message."
)
SHORT_TEXTS=("Leave a message." "Mark. Leave a message." "Please leave a message." "Not here, leave a message.")
BEEPS=(1000 440 850 1400 1800 950 600 1200)
machine() { # id voice greeting.wav lead beep(0/1) variant kind
  local id="$1" voice="$2" g="$3" lead="$4" withbeep="$5" variant="$6" kind="$7"
  local gd; gd="$(dur "$g")"
  silence "$lead" "$TMP/lead.wav"
  local beep_ms=""
  if [ "$withbeep" = 1 ]; then
    local f=${BEEPS[$(( N % ${#BEEPS[@]} ))]}
    local gap; gap=$(awk -v x=$((N % 5)) 'BEGIN{printf "%.2f", 0.15 + x * 0.1}')
    local bl; bl=$(awk -v x=$((N % 4)) 'BEGIN{printf "%.2f", 0.3 + x * 0.2}')
    silence "$gap" "$TMP/gap.wav"; tone "$f" "$bl" "$TMP/beep.wav"; silence 3 "$TMP/tail.wav"
    sox "$TMP/lead.wav" "$g" "$TMP/gap.wav" "$TMP/beep.wav" "$TMP/tail.wav" "$TMP/m.wav"
    beep_ms="$(ms "$(awk -v a="$lead" -v b="$gd" -v c="$gap" 'BEGIN{print a+b+c}')")"
  else
    silence 3 "$TMP/tail.wav"; sox "$TMP/lead.wav" "$g" "$TMP/tail.wav" "$TMP/m.wav"
  fi
  finish "$id" MACHINE "$kind" "$voice" "$TMP/m.wav" "" "$beep_ms" "$variant"
}
i=0
for t in "${MACHINE_TEXTS[@]}"; do
  for k in 0 1 2 3 4 5 6 7 8; do
    v=$(( (i + k * 5) % ${#VOICES[@]} ))
    say "$t" "${VOICES[$v]}" "${SPEEDS[$v]}" "${PITCHES[$v]}" "$TMP/c.wav"
    lead=$(awk -v x=$(( (i * 5 + k * 11) % 21 )) 'BEGIN{printf "%.2f", 0.1 + x * 0.09}')
    kind=greeting; [ "$i" -ge 5 ] && [ "$i" -le 7 ] && kind=carrier
    machine "machine-tts-$i-$k" "${VOICES[$v]}" "$TMP/c.wav" "$lead" $(( (i + k) % 3 == 0 ? 0 : 1 )) "${VARIANTS[$(( (i + 2 * k) % 6 ))]}" "$kind"
  done
  i=$((i + 1))
done
i=0
for t in "${SHORT_TEXTS[@]}"; do
  for k in 0 1 2; do
    v=$(( (i * 2 + k) % ${#VOICES[@]} ))
    say "$t" "${VOICES[$v]}" "${SPEEDS[$v]}" "${PITCHES[$v]}" "$TMP/c.wav"
    machine "machine-short-$i-$k" "${VOICES[$v]}" "$TMP/c.wav" "0.$((2 + k * 2))" 1 "${VARIANTS[$(( i + k ))]}" short_greeting
  done
  i=$((i + 1))
done
if [ -n "$SOUNDS" ]; then
  # Asterisk's own voicemail greeting: "The person at extension 1 2 3 4 is unavailable. Please leave your message after the tone..."
  r() { norm8k "$SOUNDS/$1.wav" "$TMP/r_$2.wav"; echo "$TMP/r_$2.wav"; }
  sp() { silence "$1" "$TMP/sp_$2.wav"; echo "$TMP/sp_$2.wav"; }
  sox "$(r vm-theperson 1)" "$(sp 0.1 1)" "$(r digits/1 2)" "$(r digits/2 3)" "$(r digits/3 4)" "$(r digits/4 5)" "$(sp 0.2 2)" "$(r vm-isunavail 6)" "$(sp 0.3 3)" "$(r vm-intro 7)" "$TMP/g1.wav"
  sox "$(r vm-nobodyavail 1)" "$(sp 0.3 1)" "$(r vm-leavemsg 2)" "$TMP/g2.wav"
  sox "$(r number-not-answering 1)" "$(sp 0.3 1)" "$(r please-try-call-later 2)" "$TMP/g3.wav"
  sox "$(r all-circuits-busy-now 1)" "$(sp 0.3 1)" "$(r please-try-call-later 2)" "$TMP/g4.wav"
  sox "$(r vm-theperson 1)" "$(sp 0.1 1)" "$(r digits/5 2)" "$(r digits/0 3)" "$(r digits/7 4)" "$(sp 0.2 2)" "$(r vm-isonphone 5)" "$TMP/g5.wav"
  cp "$(r ss-noservice 1)" "$TMP/g6.wav"
  k=0
  for g in 1 2 3 4 5 6; do
    for variant in clean noisy; do
      withbeep=0; [ "$g" -le 2 ] || [ "$g" -eq 5 ] && withbeep=1
      [ "$variant" = noisy ] && [ "$g" -le 2 ] && withbeep=0
      kind=greeting; [ "$g" -eq 3 ] || [ "$g" -eq 4 ] || [ "$g" -eq 6 ] && kind=carrier
      machine "machine-real-$g-$variant" allison "$TMP/g$g.wav" "0.$(( (k * 3) % 10 ))" "$withbeep" "$variant" "$kind"
      k=$((k + 1))
    done
  done
fi

# ---------- fresh: new texts and new voices, never used for tuning (split "fresh") ----------
FRESH_VOICES=(en-us+m1 en-gb+m4 en-029+f5 en-gb-x-gbcwmd+m2)
FRESH_SPEEDS=(158 172 148 178)
FRESH_HUMAN=("hello, yes?" "Linda speaking" "hi there" "yep, hello" "good afternoon" "who's calling?" "this is Robert")
FRESH_MACHINE=(
  "You've reached the Garcia family. We're not home right now, so leave a message and we'll get back to you."
  "Hi, it's Emma. I'm busy right now, text me or leave a voicemail."
  "The wireless customer you are calling is not available. Please try your call again later."
  "Welcome to the voice mail system. Please record your message after the tone. When you are finished, hang up."
)
i=0
for t in "${FRESH_HUMAN[@]}"; do
  for k in 0 1 2 3; do
    say "$t" "${FRESH_VOICES[$k]}" "${FRESH_SPEEDS[$k]}" 50 "$TMP/c.wav"
    lead=$(awk -v x=$(( (i * 3 + k * 5) % 14 )) 'BEGIN{printf "%.2f", 0.25 + x * 0.1}')
    human "fresh-human-$i-$k" "${FRESH_VOICES[$k]}" "$TMP/c.wav" "$lead" "${VARIANTS[$(( (i + k * 2) % 6 ))]}" answer
    sed -i '$ s/,heldout$/,fresh/; $ s/,tune$/,fresh/' "$MANIFEST"
  done
  i=$((i + 1))
done
i=0
for t in "${FRESH_MACHINE[@]}"; do
  for k in 0 1 2 3; do
    say "$t" "${FRESH_VOICES[$k]}" "${FRESH_SPEEDS[$k]}" 50 "$TMP/c.wav"
    lead=$(awk -v x=$(( (i * 7 + k * 3) % 18 )) 'BEGIN{printf "%.2f", 0.1 + x * 0.1}')
    machine "fresh-machine-$i-$k" "${FRESH_VOICES[$k]}" "$TMP/c.wav" "$lead" $(( (i + k) % 4 == 0 ? 0 : 1 )) "${VARIANTS[$(( (i * 2 + k) % 6 ))]}" greeting
    sed -i '$ s/,heldout$/,fresh/; $ s/,tune$/,fresh/' "$MANIFEST"
  done
  i=$((i + 1))
done

# ---------- nobody: silence, line noise ----------
for k in 0 1 2 3 4 5 6 7 8 9; do
  silence 6 "$TMP/s.wav"
  finish "silence-$k" NO_SPEECH silence "" "$TMP/s.wav" "" "" "${VARIANTS[$(( k % 6 ))]}"
done

# ---------- fax: CNG (1100 Hz 0.5 s on, 3 s off) and CED (2100 Hz) ----------
for k in 0 1 2 3 4 5; do
  silence "0.$((2 + k))" "$TMP/lead.wav"; tone 1100 0.5 "$TMP/t.wav"; silence 3 "$TMP/off.wav"
  sox "$TMP/lead.wav" "$TMP/t.wav" "$TMP/off.wav" "$TMP/t.wav" "$TMP/off.wav" "$TMP/f.wav"
  finish "fax-cng-$k" FAX cng "" "$TMP/f.wav" "" "" "${VARIANTS[$(( k % 6 ))]}"
  silence "0.$((3 + k))" "$TMP/lead.wav"; tone 2100 3 "$TMP/t.wav"; silence 2 "$TMP/off.wav"
  sox "$TMP/lead.wav" "$TMP/t.wav" "$TMP/off.wav" "$TMP/f.wav"
  finish "fax-ced-$k" FAX ced "" "$TMP/f.wav" "" "" "${VARIANTS[$(( (k + 1) % 6 ))]}"
done

echo "make-amd-corpus: $N files in $OUT ($(grep -c ',heldout$' "$MANIFEST") held out, $(grep -c ',fresh$' "$MANIFEST") fresh), manifest $MANIFEST"
