#!/usr/bin/env bash
# Builds the labelled AMD corpus into corpus/ (gitignored), broad by construction: every item comes from one
# voice *source* (the unit of leave-one-source-out evaluation), and every hard case is its own labelled kind.
#
# Sources (one family of voices each):
#   allison   recorded English speaker (asterisk-core-sounds-en-wav, Allison Smith, CC-BY-SA 3.0)
#   armelle   recorded French speaker (asterisk-prompt-fr-armelle)
#   esco      recorded Colombian Spanish speaker (asterisk-prompt-es-co)
#   menardi   recorded Italian speaker (asterisk-prompt-it-menardi-wav)
#   espeak    espeak-ng, English/French/Spanish/German/Italian voices and variants
#   flite     flite's voices (kal, awb, rms, slt)
#   festival  Festival with festvox voices (kal, ked, slt HTS, Italian lp/pc)
# Recorded prompts are read from the file list of their own Debian package only (dpkg -L), so files other
# packages put into the same sounds folders never enter the corpus.
#
# Kinds: HUMAN human_short, human_two_hellos, human_long (one long sentence, 2.5-4 s), human_music,
#        human_babble (TV-like babble), human_street (street/car noise, a far voice),
#        human_late_start (a hello whose first 50-400 ms are cut off: the audio fork attached late);
#        MACHINE machine_greeting, machine_carrier, machine_short, machine_paused (0.8-1.4 s pause inside),
#        machine_hello_trick ("hello?", a 1-2.5 s pause, then the message), machine_long_gaps (1.5-3 s gaps),
#        machine_late_start (a greeting whose first 50-400 ms are cut off: the stream starts in speech);
#        NO_SPEECH silence; FAX fax_cng, fax_ced.
# Conditions rotated over the items: level (-20..+3 dB), tempo and pitch changes, hiss, mains hum, clipping,
# GSM or AMR-NB codec on codec, then a G.711 round trip (both laws) stored as mu-law/A-law WAV or 8/16 kHz PCM.
# Music is synthesised (sox), babble is the same source's voices mixed, noise is synthesised.
#
#   scripts/make-amd-corpus.sh [--out DIR] [--sources a,b,...] [--per-kind N]
#   (defaults: corpus, all sources available here, 6 items per kind and source)
# Manifest: DIR/manifest.csv  id,file,label,kind,source,voice,condition,speech_end_ms,beep_ms
set -euo pipefail
cd "$(dirname "$0")/.."
renice -n 10 $$ >/dev/null 2>&1 || true   # heavy: leave the CPU to interactive work
OUT=corpus
SOURCES=""
PER=6
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --sources) SOURCES="$2"; shift 2 ;;
    --per-kind) PER="$2"; shift 2 ;;
    *) OUT="$1"; shift ;;
  esac
done
for tool in sox soxi espeak-ng; do
  command -v "$tool" >/dev/null || { echo "make-amd-corpus: $tool missing (see docs/amd.md for the apt packages)" >&2; exit 2; }
done

pkg_files() { dpkg -L "$1" 2>/dev/null | grep -E '\.(wav|gsm)$' || true; }
available() {
  case "$1" in
    allison) [ -n "$(pkg_files asterisk-core-sounds-en-wav | head -1)" ] ;;
    armelle) [ -n "$(pkg_files asterisk-prompt-fr-armelle | head -1)" ] ;;
    esco) [ -n "$(pkg_files asterisk-prompt-es-co | head -1)" ] ;;
    menardi) [ -n "$(pkg_files asterisk-prompt-it-menardi-wav | head -1)" ] ;;
    espeak) command -v espeak-ng >/dev/null ;;
    flite) command -v flite >/dev/null ;;
    festival) command -v festival >/dev/null && [ -d /usr/share/festival/voices/english/kal_diphone ] ;;
    *) return 1 ;;
  esac
}
ALL="allison armelle esco menardi espeak flite festival"
if [ -z "$SOURCES" ]; then
  for s in $ALL; do if available "$s"; then SOURCES="$SOURCES $s"; else echo "make-amd-corpus: source $s not installed, skipped" >&2; fi; done
else
  SOURCES="${SOURCES//,/ }"
  for s in $SOURCES; do available "$s" || { echo "make-amd-corpus: source $s not available" >&2; exit 2; }; done
fi

rm -rf "$OUT" && mkdir -p "$OUT/audio"
OUT="$(cd "$OUT" && pwd)"
WORK="$(mktemp -d)"; trap 'kill $(jobs -p) 2>/dev/null || true; wait; rm -rf "$WORK"' EXIT

# ------------------------------------------------------------------ helpers (used by every source job)
q() { sox -V1 "$@"; }
dur() { soxi -D "$1"; }
ms() { awk -v d="$1" 'BEGIN { printf "%d", d * 1000 + 0.5 }'; }
add() { awk -v a="$1" -v b="$2" 'BEGIN { print a + b }'; }
# deterministic pseudo-random numbers: seed from a string, then rnd N (0..N-1) and frand LO HI (2 decimals)
# (hash of seed + salt, so they work the same inside $(...) subshells)
seed() { SEED="$1"; }
h32() { # FNV-1a of "$SEED/$1", in bash (no process per number)
  local str="$SEED/$1" h=2166136261 i c
  for (( i = 0; i < ${#str}; i++ )); do
    printf -v c '%d' "'${str:i:1}"
    h=$(( ((h ^ (c & 255)) * 16777619) & 0xffffffff ))
  done
  H=$(( (h ^ (h >> 15)) & 0x7fffffff ))
}
rnd() { h32 "$1"; echo $(( H % $2 )); }                      # rnd SALT N -> 0..N-1
micro() { # decimal string -> integer millionths in M
  local x="$1" sign=1 int frac
  [ "${x:0:1}" = - ] && { sign=-1; x="${x:1}"; }
  int="${x%%.*}"; frac=""; [ "$x" != "$int" ] && frac="${x#*.}"
  frac="${frac}000000"; frac="${frac:0:6}"
  M=$(( sign * (10#${int:-0} * 1000000 + 10#$frac) ))
}
frand() { # frand SALT LO HI -> a number in [LO, HI], 3 decimals
  local lo hi v
  micro "$2"; lo=$M; micro "$3"; hi=$M; h32 "$1"
  v=$(( lo + (hi - lo) * (H % 10007) / 10006 ))
  local sign=""; [ $v -lt 0 ] && { sign=-; v=$(( -v )); }
  printf '%s%d.%03d' "$sign" $(( v / 1000000 )) $(( (v % 1000000) / 1000 ))
}
# clean 8 kHz 16-bit mono, silence trimmed both ends, normalised to -4 dBFS peak
norm8k() { q "$1" -r 8000 -c 1 -b 16 "$2" silence 1 0.02 -45d reverse silence 1 0.02 -45d reverse norm -4; }
silence() { q -n -r 8000 -c 1 -b 16 "$2" trim 0 "$1"; }
tone() { q -n -r 8000 -c 1 -b 16 "$3" synth "$2" sine "$1" vol 0.4 fade 0.004 "$2" 0.004; }
# fit LEN seconds of a (looped) bed file, starting at a random offset
bed() { # bed.wav seconds out
  local bd; bd="$(dur "$1")"
  local off; off="$(frand L89.1 0 "$(awk -v b="$bd" 'BEGIN { print b / 2 }')")"
  q "$1" "$3" trim "$off" repeat 3 trim 0 "$2"
}

# synthesised music beds (shared by every source): chords, a bass line, a melody with held notes, a beat
make_music() { # idx out
  seed "music-$1"
  local scale=(262 294 330 349 392 440 494 523) parts=() n tempo
  tempo=$(frand L97.1 0.22 0.5)
  local timbres=(pluck square sawtooth triangle sine)
  local tb=${timbres[$(rnd L99.1 5)]} mel=${timbres[$(rnd L99.2 5)]}
  for n in $(seq 0 15); do
    local r=$(rnd L101.$n 8) d=$tempo
    [ $(rnd L102.$n 4) -eq 0 ] && d=$(awk -v t="$tempo" 'BEGIN { print t * 3 }')   # held notes
    local f1=${scale[$r]} f2=${scale[$(( (r + 2) % 8 ))]} f3=${scale[$(( (r + 4) % 8 ))]}
    local fm; fm=$(awk -v f="${scale[$(rnd L104.$n 8)]}" 'BEGIN { print f * 2 }')
    local fb; fb=$(awk -v f="$f1" 'BEGIN { print f / 4 }')
    q -n -r 8000 -c 5 -t wav - synth "$d" $tb "$f1" $tb "$f2" $tb "$f3" $mel "$fm" triangle "$fb" \
      | q - -c 1 "$WORK/mn_$n.wav" fade 0.01 "$d" 0.03
    parts+=("$WORK/mn_$n.wav")
  done
  q "${parts[@]}" "$WORK/mchords.wav"
  local md; md="$(dur "$WORK/mchords.wav")"
  q -n -r 8000 -c 1 -b 16 "$WORK/mbeat.wav" synth "$md" brownnoise tremolo "$(awk -v t="$tempo" 'BEGIN { print 1 / t }')" 90 vol 0.3
  q -m "$WORK/mchords.wav" "$WORK/mbeat.wav" "$2" norm -6
  rm -f "$WORK"/mn_*.wav
}

# ------------------------------------------------------------------ per-source utterance pools
# Each source job fills $P/{short,long,sent,hello}/NN.wav (clean, 8 kHz, trimmed) and $P/voices/NN (the tag).
declare -A TXT_SHORT TXT_LONG TXT_SENT TXT_HELLO TXT_CARRIER
TXT_SHORT[en]="hello?|hello|yes, hello|hi|yeah?|speaking|hello, who is this?|good morning|yes?|hey|Anna speaking|hello, Peter here|hello, Miller|yep"
TXT_LONG[en]="Hello, this is Marc Dupont, who is calling please?|Good afternoon, you are speaking with Jennifer Wilson, how can I help you?|Hi, this is David from the accounts department, who is this please?|Hello, yes, this is the Johnson residence, may I ask who is calling?|Hello, Sarah Miller speaking, sorry, I did not catch your number there.|Yes hello, this is Robert, I am driving right now, what is it about?"
TXT_SENT[en]="Hi, you have reached Anna.|I can't come to the phone right now.|Please leave a message after the tone.|You have reached the voicemail of Peter Miller.|Leave your name and number and I will call you back.|Thank you for calling the Andersons.|We are not home right now.|Sorry I missed your call.|I will get back to you as soon as I can.|Hey, it's Mike.|Our office is currently closed.|Have a great day."
TXT_CARRIER[en]="The person you are calling is not available.|The number you have dialed is not in service.|Please try your call again later.|The subscriber cannot be reached at the moment."
TXT_HELLO[en]="hello?|hello|hi?|yes, hello?"
TXT_SHORT[fr]="allô ?|oui, allô|bonjour|oui ?|c'est Marie|allô, oui|bonjour, Pierre|qui est-ce ?|oui, j'écoute|salut"
TXT_LONG[fr]="Allô, bonjour, c'est Marc Dupont à l'appareil, qui est à l'appareil s'il vous plaît ?|Oui bonjour, ici Sophie Martin, je vous écoute, c'est à quel sujet ?|Allô, oui, c'est bien le cabinet Moreau, que puis-je faire pour vous ?"
TXT_SENT[fr]="Bonjour, vous êtes bien chez Anne.|Je ne suis pas disponible pour le moment.|Laissez-moi un message après le bip sonore.|Merci de votre appel.|Je vous rappellerai dès que possible.|Vous êtes sur la messagerie de Paul Bernard.|Nous sommes absents pour le moment.|Bonne journée."
TXT_CARRIER[fr]="Votre correspondant n'est pas joignable pour le moment.|Veuillez renouveler votre appel ultérieurement."
TXT_HELLO[fr]="allô ?|allô|oui ?"
TXT_SHORT[es]="¿hola?|sí, dígame|bueno|¿aló?|buenos días|¿quién habla?|sí|hola, Carmen"
TXT_LONG[es]="Hola, buenos días, habla Carlos Ramírez, ¿con quién tengo el gusto?|Sí, dígame, está hablando con la oficina de la señora López, ¿en qué le puedo ayudar?"
TXT_SENT[es]="Hola, has llamado a Lucía.|En este momento no puedo contestar.|Deja tu mensaje después del tono.|Gracias por llamar.|Te devolveré la llamada lo antes posible.|Estás en el buzón de voz de Miguel."
TXT_CARRIER[es]="El número que usted marcó no está disponible.|Por favor intente más tarde."
TXT_HELLO[es]="¿hola?|¿aló?|¿bueno?"
TXT_SHORT[it]="pronto?|sì, pronto|buongiorno|chi parla?|pronto, Marco|sì?|ciao"
TXT_LONG[it]="Pronto, buongiorno, sono Giulia Bianchi, con chi parlo per favore?|Sì pronto, studio dell'avvocato Rossi, mi dica pure, di cosa si tratta?"
TXT_SENT[it]="Ciao, hai chiamato Francesca.|Al momento non posso rispondere.|Lascia un messaggio dopo il segnale acustico.|Grazie per aver chiamato.|Ti richiamerò appena possibile.|Questa è la segreteria di Luca Ferri."
TXT_CARRIER[it]="Il cliente da lei chiamato non è al momento raggiungibile.|La preghiamo di richiamare più tardi."
TXT_HELLO[it]="pronto?|pronto|sì?"
TXT_SHORT[de]="hallo?|ja, hallo|guten Tag|Müller|ja?|wer ist da?"
TXT_LONG[de]="Hallo, guten Tag, hier spricht Thomas Becker, mit wem spreche ich bitte?|Ja hallo, hier ist das Büro von Frau Schneider, worum geht es denn?"
TXT_SENT[de]="Hallo, hier ist der Anrufbeantworter von Klaus.|Ich bin gerade nicht erreichbar.|Bitte hinterlassen Sie eine Nachricht nach dem Signalton.|Vielen Dank für Ihren Anruf.|Ich rufe so bald wie möglich zurück."
TXT_CARRIER[de]="Der gewünschte Gesprächspartner ist zurzeit nicht erreichbar.|Bitte versuchen Sie es später noch einmal."
TXT_HELLO[de]="hallo?|ja, hallo?"

# pool_add POOL SRC.wav TAG [tempo] [pitch-cents]
pool_add() {
  local dir="$P/$1"; mkdir -p "$dir" "$P/voices"
  local n; n=$(ls "$dir" | wc -l); n=$(printf %02d "$n")
  if [ "${4:-1}" != 1 ] || [ "${5:-0}" != 0 ]; then
    q "$2" "$WORK/pv_$BASHPID.wav" tempo -s "${4:-1}" pitch "${5:-0}"
    norm8k "$WORK/pv_$BASHPID.wav" "$dir/$n.wav"
  else
    norm8k "$2" "$dir/$n.wav"
  fi
  echo "$3" > "$P/voices/$1-$n"
}

# TTS: speak_SOURCE VOICE_INDEX TEXT OUT(raw wav); voices per source with language
ESPEAK_VOICES=(en-us+m3 en-gb+f3 en-gb-x-rp+m1 en-029+f2 en-us+klatt en-gb-scotland+f4 fr-fr+f2 fr-fr+m4 es+m3 es-419+f1 de+f4 de+m2 it+m1 it+f3)
ESPEAK_LANGS=(en en en en en en fr fr es es de de it it)
FLITE_VOICES=(kal awb rms slt kal16)
FESTIVAL_VOICES=(voice_kal_diphone voice_ked_diphone voice_cmu_us_slt_arctic_hts voice_lp_diphone voice_pc_diphone)
FESTIVAL_LANGS=(en en en it it)

# fill a TTS source's pools: for each voice, short/long/sent/hello/carrier texts of its language
tts_pools() { # source
  local src="$1" nv i lang voice t k=0
  case "$src" in
    espeak) nv=${#ESPEAK_VOICES[@]} ;; flite) nv=${#FLITE_VOICES[@]} ;; festival) nv=${#FESTIVAL_VOICES[@]} ;;
  esac
  : > "$WORK/$src.jobs"
  for i in $(seq 0 $((nv - 1))); do
    case "$src" in
      espeak) lang=${ESPEAK_LANGS[$i]}; voice=${ESPEAK_VOICES[$i]} ;;
      flite) lang=en; voice=${FLITE_VOICES[$i]} ;;
      festival) lang=${FESTIVAL_LANGS[$i]}; voice=${FESTIVAL_VOICES[$i]} ;;
    esac
    local pool
    for pool in short long sent hello carrier; do
      local var="TXT_${pool^^}[$lang]"
      IFS='|' read -r -a texts <<< "${!var}"
      # each voice says a rotating share of the texts (all of them for small tables)
      local j=0
      for t in "${texts[@]}"; do
        if [ ${#texts[@]} -le 4 ] || [ $(( (j + i) % 2 )) -eq 0 ]; then
          printf '%s\t%s\t%s\t%s\n' "$pool" "$voice" "$t" "$k" >> "$WORK/$src.jobs"; k=$((k + 1))
        fi
        j=$((j + 1))
      done
    done
  done
  if [ "$src" = festival ]; then
    # one festival process for all utterances
    local cur=""
    : > "$WORK/fest.scm"
    while IFS=$'\t' read -r pool voice t k; do
      [ "$voice" != "$cur" ] && { echo "($voice)" >> "$WORK/fest.scm"; cur="$voice"; }
      local esc; esc="$(printf %s "$t" | iconv -f UTF-8 -t ASCII//TRANSLIT)"   # festival's lexicons are not UTF-8
      esc="${esc//\"/}"
      echo "(utt.save.wave (utt.synth (Utterance Text \"$esc\")) \"$WORK/fest_$k.wav\" 'riff)" >> "$WORK/fest.scm"
    done < "$WORK/$src.jobs"
    festival -b "$WORK/fest.scm" >/dev/null 2>&1 || { echo "make-amd-corpus: festival failed on $WORK/fest.scm" >&2; return 1; }
  fi
  while IFS=$'\t' read -r pool voice t k; do
    seed "$src-$voice-$t"
    local raw="$WORK/raw_${src}_$k.wav" tempo=1 pitch=0
    case "$src" in
      espeak) espeak-ng -v "$voice" -s $((135 + $(rnd L208.1 50))) -p $((30 + $(rnd L208.2 45))) -w "$raw" "$t" ;;
      flite) flite -voice "$voice" -t "$t" -o "$raw"; tempo=$(frand L209.1 0.88 1.15); pitch=$(( $(rnd L209.2 500) - 250 )) ;;
      festival) raw="$WORK/fest_$k.wav"; tempo=$(frand L210.1 0.9 1.12); pitch=$(( $(rnd L210.2 400) - 200 )) ;;
    esac
    [ "$pool" = long ] && tempo=1
    pool_add "$pool" "$raw" "$src:$voice" "$tempo" "$pitch"
  done < "$WORK/$src.jobs"
}

# fill a recorded source's pools from its package's own prompt files, by trimmed length
rec_pools() { # source package
  local src="$1" f d n=0
  pkg_files "$2" | grep -v -E '/(beep|beeperr|ascending-2tone|descending-2tone|silence/|tt-|confbridge-begin-glorious)' > "$WORK/$src.files" || true
  # a deterministic sample of the prompts (every k-th), sorted for stability
  sort "$WORK/$src.files" | awk 'NR % 2 == 1' | head -260 > "$WORK/$src.pick"
  local ns=0 nl=0 nh=0 nsent=0 nc=0
  while read -r f; do
    norm8k "$f" "$W/r.wav" 2>/dev/null || continue
    d="$(dur "$W/r.wav" 2>/dev/null)" || continue
    seed "$src-$f"
    local tempo; tempo=$(frand L228.1 0.9 1.12) pitch=$(( $(rnd L228.2 300) - 150 ))
    local b="${f##*/}"
    if awk -v d="$d" 'BEGIN { exit !(d >= 0.3 && d <= 0.75) }' && [ $nh -lt 6 ]; then pool_add hello "$W/r.wav" "$src:$b" "$tempo" "$pitch"; nh=$((nh + 1))
    elif awk -v d="$d" 'BEGIN { exit !(d >= 0.3 && d <= 1.3) }' && [ $ns -lt 20 ]; then pool_add short "$W/r.wav" "$src:$b" "$tempo" "$pitch"; ns=$((ns + 1))
    elif awk -v d="$d" 'BEGIN { exit !(d >= 2.5 && d <= 4.0) }' && [ $nl -lt 10 ] && [ $((n % 3)) -eq 0 ]; then pool_add long "$W/r.wav" "$src:$b"; nl=$((nl + 1))
    elif awk -v d="$d" 'BEGIN { exit !(d >= 1.0 && d <= 3.5) }' && [ $nsent -lt 24 ]; then pool_add sent "$W/r.wav" "$src:$b" "$tempo" "$pitch"; nsent=$((nsent + 1))
    elif awk -v d="$d" 'BEGIN { exit !(d > 3.5 && d <= 7) }' && [ $nc -lt 6 ]; then pool_add carrier "$W/r.wav" "$src:$b" "$tempo" "$pitch"; nc=$((nc + 1))
    fi
    n=$((n + 1))
  done < "$WORK/$src.pick"
}

# late_cut FILE SALT -> seconds to cut from the start: 0.05-0.4 s, at most 40 % of the file
late_cut() { awk -v c="$(frand "$2" 0.05 0.4)" -v d="$(dur "$1")" 'BEGIN { m = d * 0.4; printf "%.3f", (c < m ? c : m) }'; }
pick() { # pool salt -> a file of that pool, deterministic from the current seed
  local files=("$P/$1"/*.wav)
  echo "${files[$(rnd "pick-$2" ${#files[@]})]}"
}
voice_of() { local f="$1" b; b="$(basename "$f" .wav)"; cat "$P/voices/$(basename "$(dirname "$f")")-$b"; }

# ------------------------------------------------------------------ finishing: level, line, codecs, store
BEEPS=(1000 440 850 1400 1800 950 600 1200 700 1600)
finish() { # id label kind voice src.wav speech_end beep
  local id="$1" label="$2" kind="$3" voice="$4" cur="$5" speech_end="$6" beep="$7"
  seed "line-$id"
  local d; d="$(dur "$cur")"
  local cond="" line=$(rnd L252.1 6) lvl
  lvl=$(frand L253.1 -20 3)
  case $line in
    0) cond="clean" ;;
    1) q -n -r 8000 -c 1 -b 16 "$W/n.wav" synth "$d" whitenoise vol "$(frand L256.1 0.002 0.01)"
       q -m "$cur" "$W/n.wav" "$W/l.wav"; cur="$W/l.wav"; cond="hiss" ;;
    2) q -n -r 8000 -c 1 -b 16 "$W/h1.wav" synth "$d" sine 50 vol 0.05
       q -n -r 8000 -c 1 -b 16 "$W/h2.wav" synth "$d" sine 150 vol 0.02
       q -n -r 8000 -c 1 -b 16 "$W/n.wav" synth "$d" whitenoise vol 0.004
       q -m "$cur" "$W/h1.wav" "$W/h2.wav" "$W/n.wav" "$W/l.wav"; cur="$W/l.wav"; cond="hum" ;;
    3) q "$cur" "$W/l.wav" gain 10 2>/dev/null; cur="$W/l.wav"; cond="clipped"; lvl=0 ;;
    4) q "$cur" -t gsm "$W/c.gsm"; q "$W/c.gsm" -b 16 "$W/l.wav"; cur="$W/l.wav"; cond="gsm" ;;
    5) q "$cur" -t amr-nb "$W/c.amr"; q "$W/c.amr" -r 8000 -b 16 "$W/l.wav"; cur="$W/l.wav"; cond="amr" ;;
  esac
  q "$cur" "$W/lv.wav" gain "$lvl" 2>/dev/null; cur="$W/lv.wav"
  cond="$cond/${lvl}dB"
  local file="audio/$id.wav"
  case $(rnd L269.1 4) in
    0) q "$cur" -e u-law "$OUT/$file"; cond="$cond/ulaw" ;;
    1) q "$cur" -e a-law "$W/g.wav"; q "$W/g.wav" -e signed-integer -b 16 "$OUT/$file"; cond="$cond/alaw-pcm" ;;
    2) q "$cur" -e u-law "$W/g.wav"; q "$W/g.wav" -r 16000 -e signed-integer -b 16 "$OUT/$file"; cond="$cond/ulaw-16k" ;;
    3) q "$cur" -e a-law "$OUT/$file"; cond="$cond/alaw" ;;
  esac
  echo "$id,$file,$label,$kind,$SRC,$voice,$cond,$speech_end,$beep" >> "$MAN"
}

# background under a human: music, babble or street, from answer to the end
background() { # kind seconds out
  case "$1" in
    human_music)
      bed "$WORK/music_$(rnd L282.1 6).wav" "$2" "$W/bg0.wav"
      q "$W/bg0.wav" "$3" norm "$(frand L283.1 -22 -10)" ;;
    human_babble)
      local parts=() k
      for k in 0 1 2 3; do
        local f; f="$(pick sent P287.$k)"
        silence "$(frand L288.$k 0 1)" "$W/bl.wav"
        q "$W/bl.wav" "$f" "$W/bb_$k.wav" pitch $(( $(rnd L289.$k 600) - 300 )) repeat 4
        q "$W/bb_$k.wav" "$W/bc_$k.wav" trim 0 "$2"
        parts+=("$W/bc_$k.wav")
      done
      q -m "${parts[@]}" "$W/bg0.wav" lowpass 3000 reverb 30
      q "$W/bg0.wav" "$3" trim 0 "$2" norm "$(frand L294.1 -22 -12)" ;;
    human_street)
      q -n -r 8000 -c 1 -b 16 "$W/s1.wav" synth "$2" brownnoise vol 0.5 synth pinknoise mix tremolo "$(frand L296.1 0.1 0.5)" 50
      local far; far="$(pick sent P297.1)"
      silence "$(frand L298.1 0 2)" "$W/fl.wav"
      q "$W/fl.wav" "$far" "$W/f1.wav" reverb 60 vol 0.15 pad 0 "$2"
      q "$W/f1.wav" "$W/f2.wav" trim 0 "$2"
      q -m "$W/s1.wav" "$W/f2.wav" "$W/bg0.wav"
      q "$W/bg0.wav" "$3" norm "$(frand L302.1 -20 -11)" ;;
  esac
}

human_item() { # kind n
  local kind="$1" id="$SRC-$1-$2"
  seed "$id"
  local lead; lead=$(frand L309.1 0.2 1.5)
  local sp voice
  case "$kind" in
    human_long) sp="$(pick long P312.1)" ;;
    human_late_start) [ "$(rnd L313.2 3)" -eq 0 ] && sp="$(pick hello P313.3)" || sp="$(pick short P313.1)" ;;
    human_two_hellos)
      local a; a="$(pick hello P314.1)"; silence "$(frand L314.1 0.3 0.7)" "$W/p.wav"
      q "$a" "$W/p.wav" "$a" "$W/sp.wav"; sp="$W/sp.wav" ;;
    *) sp="$(pick short P316.1)" ;;
  esac
  voice="$(voice_of "${a:-$sp}")"
  if [ "$kind" = human_long ]; then
    # one long sentence of 2.5-4 s
    local sd; sd="$(dur "$sp")"
    local target; target=$(frand L322.1 2.5 4.0)
    q "$sp" "$W/spl.wav" tempo -s "$(awk -v a="$sd" -v b="$target" 'BEGIN { print a / b }')"
    sp="$W/spl.wav"
  fi
  if [ "$kind" = human_late_start ]; then
    # the fork attached late: the first 50-400 ms of the hello are gone (at most 40 % of it), 0-60 ms before it
    local cut; cut="$(late_cut "$sp" L326.1)"
    q "$sp" "$W/spc.wav" trim "$cut"; sp="$W/spc.wav"
    lead=$(frand L326.2 0 0.06)
  fi
  local sd; sd="$(dur "$sp")"
  silence "$lead" "$W/lead.wav"; silence 5 "$W/tail.wav"
  q "$W/lead.wav" "$sp" "$W/tail.wav" "$W/h.wav"
  local total; total="$(dur "$W/h.wav")"
  case "$kind" in
    human_music|human_babble|human_street)
      background "$kind" "$total" "$W/bg.wav"
      q -m "$W/h.wav" "$W/bg.wav" "$W/hm.wav"; q "$W/hm.wav" "$W/h.wav" norm -3 ;;
  esac
  finish "$id" HUMAN "$kind" "$voice" "$W/h.wav" "$(ms "$(add "$lead" "$sd")")" ""
}

machine_item() { # kind n
  local kind="$1" id="$SRC-$1-$2"
  seed "$id"
  local lead; lead=$(frand L341.1 0.1 1.5)
  local parts=("$W/lead.wav") s g k voice onebeep=0
  silence "$lead" "$W/lead.wav"
  sp_gap() { silence "$1" "$W/gap_$2.wav"; parts+=("$W/gap_$2.wav"); }
  case "$kind" in
    machine_greeting)
      for k in 0 1 2; do s="$(pick sent P347.$k)"; parts+=("$s"); [ $k -lt 2 ] && sp_gap "$(frand L347.$k 0.1 0.4)" $k; done ;;
    machine_carrier)
      s="$(pick carrier P349.1)"; parts+=("$s"); sp_gap "$(frand L349.1 0.2 0.5)" 0; parts+=("$(pick carrier P349.2)") ;;
    machine_short)
      s="$(pick sent P351.1)"; parts+=("$s") ;;
    machine_paused)
      s="$(pick sent P353.1)"; parts+=("$s"); sp_gap "$(frand L353.1 0.8 1.4)" 0; parts+=("$(pick sent P353.2)")
      sp_gap "$(frand L354.1 0.1 0.4)" 1; parts+=("$(pick sent P354.1)") ;;
    machine_hello_trick)
      s="$(pick hello P356.1)"; parts+=("$s"); sp_gap "$(frand L356.1 1.0 2.5)" 0; parts+=("$(pick sent P356.2)")
      sp_gap "$(frand L357.1 0.1 0.4)" 1; parts+=("$(pick sent P357.1)") ;;
    machine_long_gaps)
      s="$(pick sent P359.1)"; parts+=("$s"); sp_gap "$(frand L359.1 1.5 3.0)" 0; parts+=("$(pick sent P359.2)")
      sp_gap "$(frand L360.1 1.5 3.0)" 1; parts+=("$(pick sent P360.1)") ;;
    machine_late_start)
      # the fork attached late: the greeting's first 50-400 ms are gone, 0-60 ms of line before it; then a
      # plain greeting (two sentences), a paused one, or one sentence (and its beep)
      silence "$(frand L362.1 0 0.06)" "$W/lead.wav"
      s="$(pick sent P362.1)"; q "$s" "$W/late.wav" trim "$(late_cut "$s" L362.2)"; parts+=("$W/late.wav")
      case $(rnd L363.1 3) in
        0) sp_gap "$(frand L363.2 0.1 0.4)" 0; parts+=("$(pick sent P363.1)") ;;
        1) sp_gap "$(frand L363.3 0.8 1.4)" 0; parts+=("$(pick sent P363.2)") ;;
        *) onebeep=1 ;;   # one sentence: with its beep, as machine_short
      esac ;;
  esac
  voice="$(voice_of "$s")"
  q "${parts[@]}" "$W/g.wav"
  local gd; gd="$(dur "$W/g.wav")" beep=""
  if [ "$kind" = machine_short ] || [ $onebeep = 1 ] || [ $(rnd L365.1 4) -ne 0 ]; then
    local gap; gap=$(frand L366.1 0.15 0.7)
    silence "$gap" "$W/bg.wav"; tone "${BEEPS[$(rnd L367.1 10)]}" "$(frand L367.2 0.3 1.0)" "$W/beep.wav"; silence 2 "$W/tail.wav"
    q "$W/g.wav" "$W/bg.wav" "$W/beep.wav" "$W/tail.wav" "$W/m.wav"
    beep="$(ms "$(add "$gd" "$gap")")"
  else
    silence 3 "$W/tail.wav"; q "$W/g.wav" "$W/tail.wav" "$W/m.wav"
  fi
  finish "$id" MACHINE "$kind" "$voice" "$W/m.wav" "" "$beep"
}

HUMAN_KINDS="human_short human_two_hellos human_long human_music human_babble human_street human_late_start"
MACHINE_KINDS="machine_greeting machine_carrier machine_short machine_paused machine_hello_trick machine_long_gaps machine_late_start"

source_job() { # source
  SRC="$1"; P="$WORK/pool_$SRC"; W="$WORK/w_$SRC"; MAN="$WORK/manifest_$SRC.csv"
  mkdir -p "$P" "$W"; : > "$MAN"
  case "$SRC" in
    allison) rec_pools allison asterisk-core-sounds-en-wav ;;
    armelle) rec_pools armelle asterisk-prompt-fr-armelle ;;
    esco) rec_pools esco asterisk-prompt-es-co ;;
    menardi) rec_pools menardi asterisk-prompt-it-menardi-wav ;;
    *) tts_pools "$SRC" ;;
  esac
  [ -d "$P/carrier" ] || cp -r "$P/sent" "$P/carrier"
  [ -d "$P/hello" ] || cp -r "$P/short" "$P/hello"
  # too few long single sentences (recorded prompts): join two sentences with a breath-length gap
  local m=0
  while [ "$(ls "$P/long" 2>/dev/null | wc -l)" -lt 6 ]; do
    seed "$SRC-long-$m"
    local s1 s2; s1="$(pick sent a)"; s2="$(pick sent b)"
    silence "$(frand g 0.05 0.15)" "$W/jg.wav"; q "$s1" "$W/jg.wav" "$s2" "$W/j.wav"
    pool_add long "$W/j.wav" "$(voice_of "$s1")"; m=$((m + 1))
  done
  for f in "$P"/carrier/*.wav "$P"/hello/*.wav "$P"/long/*.wav; do
    local b; b="$(basename "$(dirname "$f")")-$(basename "$f" .wav)"
    [ -f "$P/voices/$b" ] || echo "$SRC" > "$P/voices/$b"
  done
  local kind n
  for kind in $HUMAN_KINDS; do for n in $(seq 1 "$PER"); do human_item "$kind" "$n"; done; done
  for kind in $MACHINE_KINDS; do for n in $(seq 1 "$PER"); do machine_item "$kind" "$n"; done; done
  echo "make-amd-corpus: $SRC: $(wc -l < "$MAN") files" >&2
}

# nobody and fax: no voice source ("none"); never left out, always tested
none_job() {
  SRC=none; W="$WORK/w_none"; MAN="$WORK/manifest_none.csv"; mkdir -p "$W"; : > "$MAN"
  local k
  for k in 0 1 2 3 4 5 6 7; do silence 6 "$W/s.wav"; finish "none-silence-$k" NO_SPEECH silence none "$W/s.wav" "" ""; done
  for k in 0 1 2 3 4 5; do
    silence "0.$((2 + k))" "$W/lead.wav"; tone 1100 0.5 "$W/t.wav"; silence 3 "$W/off.wav"
    q "$W/lead.wav" "$W/t.wav" "$W/off.wav" "$W/t.wav" "$W/off.wav" "$W/f.wav"
    finish "none-fax-cng-$k" FAX fax_cng none "$W/f.wav" "" ""
    silence "0.$((3 + k))" "$W/lead.wav"; tone 2100 3 "$W/t.wav"; silence 2 "$W/off.wav"
    q "$W/lead.wav" "$W/t.wav" "$W/off.wav" "$W/f.wav"
    finish "none-fax-ced-$k" FAX fax_ced none "$W/f.wav" "" ""
  done
}

for i in 0 1 2 3 4 5; do make_music "$i" "$WORK/music_$i.wav"; done
echo "make-amd-corpus: sources:$SOURCES" >&2
JOBS="${AMD_CORPUS_JOBS:-2}"
running=0
failed=0
for s in $SOURCES none; do
  if [ "$s" = none ]; then none_job & else source_job "$s" & fi   # errexit holds inside each job
  running=$((running + 1))
  if [ $running -ge "$JOBS" ]; then wait -n || failed=1; running=$((running - 1)); fi
done
while [ $running -gt 0 ]; do wait -n || failed=1; running=$((running - 1)); done
[ $failed -eq 0 ] || { echo "make-amd-corpus: a source failed (see above)" >&2; exit 1; }
echo "id,file,label,kind,source,voice,condition,speech_end_ms,beep_ms" > "$OUT/manifest.csv"
cat "$WORK"/manifest_*.csv >> "$OUT/manifest.csv"
N=$(($(wc -l < "$OUT/manifest.csv") - 1))
echo "make-amd-corpus: $N files in $OUT, manifest $OUT/manifest.csv"
