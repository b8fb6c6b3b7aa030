#!/usr/bin/env bash
# Make the five synthetic demo camera clips with ffmpeg, from lavfi sources only
# (no input files, no network). Deterministic for a given ffmpeg/x264 build:
# fixed noise seeds, a fixed clock in the on-screen timestamp, single-threaded
# x264, bitexact muxing.
#
#   resources/demo/clips/make_clips.sh              # all clips, into this directory
#   resources/demo/clips/make_clips.sh river_night  # some: traffic community street river_day river_night
#   OUT=/tmp/clips CRF=30 resources/demo/clips/make_clips.sh
#   GRAPH_ONLY=1 OUT=/tmp/g resources/demo/clips/make_clips.sh   # write the filtergraphs only
#
# Every clip is 640x360 H.264 (yuv420p, no audio) and loops seamlessly:
# everything that moves is periodic in the clip length, and walkers start and
# end hidden behind something. Only the baked-in camera clock jumps back when
# the clip restarts.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${OUT:-$HERE}"
W=640 H=360

command -v ffmpeg >/dev/null || { echo "make_clips.sh: ffmpeg is required (apt-get install ffmpeg)" >&2; exit 1; }

# The overlay text uses Noto Sans CJK SC through fontconfig (the .ttc's first
# face is the Japanese one, with different glyphs for some Han characters).
# Without the font, fall back to ASCII labels.
if [[ -n "$(fc-list ':family=Noto Sans CJK SC' family 2>/dev/null)" ]]; then
  FONT="font='Noto Sans CJK SC'" CJK=1
else
  echo "make_clips.sh: Noto Sans CJK SC not found (apt-get install fonts-noto-cjk): ASCII labels" >&2
  FONT="font='DejaVu Sans'" CJK=0
fi

label() { if ((CJK)); then echo "$1"; else echo "$2"; fi; }  # label 中文 ascii

# ------------------------------------------------------------------ helpers ---
# Scene functions set the locals fps and dur; the helpers below read them.

# Camera-style on-screen display: date, weekday and running clock top left,
# camera name bottom right. $1 = clock at the first frame (Beijing time), $2 = name.
osd() {
  local epoch wd days=(一 二 三 四 五 六 日)
  epoch="$(TZ=UTC date -d "$1" +%s)"
  wd="$(label "星期${days[$(TZ=UTC date -d "$1" +%u) - 1]}" "$(TZ=UTC LC_ALL=C date -d "$1" +%a)")"
  local style="$FONT:fontsize=20:fontcolor=white@0.92:borderw=2:bordercolor=black@0.7"
  printf "%s" "drawtext=$style:x=14:y=12"
  printf "%s" ":text='%{pts\:gmtime\:$epoch\:%Y-%m-%d} $wd %{pts\:gmtime\:$epoch\:%H\\\\\:%M\\\\\:%S}'"
  printf "%s" ",drawtext=$style:x=w-tw-14:y=h-th-16:text='$2'"
}

# box X Y W H COLOUR: a filled box; rbox also replaces alpha (for sprites)
box() { printf ",drawbox=x=%s:y=%s:w=%s:h=%s:c=%s:t=fill" "$1" "$2" "$3" "$4" "$5"; }
rbox() { printf ",drawbox=x=%s:y=%s:w=%s:h=%s:c=%s@1:t=fill:replace=1" "$1" "$2" "$3" "$4" "$5"; }
# text X Y SIZE COLOUR TEXT: static text (shop signs)
text() { printf ",drawtext=%s:x=%s:y=%s:fontsize=%s:fontcolor=%s:text='%s'" "$FONT" "$1" "$2" "$3" "$4" "$5"; }

frames() { awk -v f="$fps" -v d="$dur" 'BEGIN { print int(f * d + 0.5) }'; }

# still COLOUR DRAWING: one frame of COLOUR with DRAWING (filters, each starting
# with ","), repeated for the whole clip. Expensive drawing (geq) runs once.
still() {
  printf "color=c=%s:s=%dx%d:r=%s:d=1,trim=end_frame=1%s,loop=loop=%d:size=1:start=0,setpts=N/(%s*TB)" \
    "$1" "$W" "$H" "$fps" "$2" "$(($(frames) - 1))" "$fps"
}

# Sprites: transparent canvases with boxes drawn on them, appended to $sprites.
# canvas LABEL W H; then rbox ...; then endsprite LABEL
canvas() { sprites+="color=c=black@0:s=${2}x${3}:r=$fps,format=yuva420p"; }
endsprite() { sprites+="[$1];"; }

# A car seen from above, nose to the right: shadow, body, windscreen, roof, rear window.
topcar() {  # LABEL LEN WIDTH COLOUR
  local l=$2 w=$3
  canvas "$1" $((l + 2)) $((w + 2))
  sprites+=",drawbox=x=2:y=2:w=$l:h=$w:c=black@0.35:t=fill:replace=1"
  sprites+="$(rbox 0 0 "$l" "$w" "$4")$(box $((l * 62 / 100)) 2 $((l * 14 / 100)) $((w - 4)) 0x1d232b)"
  sprites+="$(box $((l * 12 / 100)) 2 $((l * 9 / 100)) $((w - 4)) 0x2a3038)"
  sprites+="$(box 0 0 "$l" 1 0x202020@0.5)$(box 0 $((w - 1)) "$l" 1 0x202020@0.5)"
  endsprite "$1"
}
topbus() {  # LABEL LEN WIDTH COLOUR: flat roof with vents
  local l=$2 w=$3
  canvas "$1" $((l + 2)) $((w + 2))
  sprites+=",drawbox=x=2:y=2:w=$l:h=$w:c=black@0.35:t=fill:replace=1$(rbox 0 0 "$l" "$w" "$4")"
  sprites+="$(box $((l - 8)) 2 5 $((w - 4)) 0x1d232b)$(box 20 6 16 $((w - 12)) 0xb8b8b0)$(box 50 6 16 $((w - 12)) 0xb8b8b0)"
  sprites+="$(box 0 0 "$l" 1 0x202020@0.5)$(box 0 $((w - 1)) "$l" 1 0x202020@0.5)"
  endsprite "$1"
}
# A car seen from the side, nose to the right.
sidecar() {  # LABEL LEN HEIGHT COLOUR
  local l=$2 h=$3 ws=$(($3 * 30 / 100))
  canvas "$1" "$l" "$h"
  sprites+="$(rbox 0 $((h * 36 / 100)) "$l" $((h * 44 / 100)) "$4")"                   # body
  sprites+="$(rbox $((l * 22 / 100)) 0 $((l * 50 / 100)) $((h * 40 / 100)) "$4")"      # cabin
  sprites+="$(box $((l * 25 / 100)) $((h * 6 / 100)) $((l * 20 / 100)) $((h * 30 / 100)) 0x34434c)"
  sprites+="$(box $((l * 48 / 100)) $((h * 6 / 100)) $((l * 21 / 100)) $((h * 30 / 100)) 0x34434c)"
  sprites+="$(box $((l - 4)) $((h * 42 / 100)) 4 4 0xf2eed8)$(box 0 $((h * 42 / 100)) 3 4 0xb01818)"
  sprites+="$(rbox $((l * 13 / 100)) $((h - ws)) "$ws" "$ws" 0x161616)$(rbox $((l * 71 / 100)) $((h - ws)) "$ws" "$ws" 0x161616)"
  sprites+="$(box $((l * 13 / 100 + ws / 3)) $((h - ws * 2 / 3)) $((ws / 3)) $((ws / 3)) 0x8a8a8a)"
  sprites+="$(box $((l * 71 / 100 + ws / 3)) $((h - ws * 2 / 3)) $((ws / 3)) $((ws / 3)) 0x8a8a8a)"
  endsprite "$1"
}
sidebus() {  # LABEL LEN HEIGHT COLOUR: city bus, windows, doors, route sign
  local l=$2 h=$3 x ws=$(($3 * 22 / 100))
  canvas "$1" "$l" "$h"
  sprites+="$(rbox 0 0 "$l" $((h - ws / 2)) "$4")$(box 0 $((h * 58 / 100)) "$l" 3 0xe8e8e0)"
  for ((x = 10; x < l - 30; x += 28)); do sprites+="$(box "$x" $((h * 14 / 100)) 24 $((h * 34 / 100)) 0x2c3a42)"; done
  sprites+="$(box $((l - 22)) $((h * 10 / 100)) 20 $((h * 40 / 100)) 0x2c3a42)$(box $((l - 20)) 3 16 6 0xe0a020)"
  sprites+="$(box $((l * 30 / 100)) $((h * 14 / 100)) 16 $((h * 70 / 100)) 0x39454b)"
  sprites+="$(rbox 24 $((h - ws)) "$ws" "$ws" 0x161616)$(rbox $((l - 44)) $((h - ws)) "$ws" "$ws" 0x161616)"
  endsprite "$1"
}
# A pedestrian from the side (10x34) or from above (10x10).
walker() {  # LABEL SHIRT TROUSERS
  canvas "$1" 10 34
  sprites+="$(rbox 3 0 5 7 0xc99a73)$(rbox 3 0 5 2 0x1e1a18)$(rbox 1 7 8 13 "$2")$(rbox 2 20 3 14 "$3")$(rbox 6 20 3 14 "$3")"
  endsprite "$1"
}
topwalker() {  # LABEL SHIRT
  canvas "$1" 10 10
  sprites+=",drawbox=x=2:y=2:w=8:h=8:c=black@0.3:t=fill:replace=1$(rbox 0 2 9 5 "$2")$(rbox 3 1 4 6 0x1e1a18)"
  endsprite "$1"
}

# Overlay steps, appended to $chain; $prev is the current stream label.
# drive SPRITE Y PERIOD K OFFSET DIR: moves along x across the whole frame,
# K times per clip over a PERIOD px long loop; DIR 1 = to the right, -1 = left.
drive() {
  local s=$1 y=$2 period=$3 k=$4 off=$5 dir=$6 x
  n=$((n + 1))
  if ((dir > 0)); then
    x="mod($off+$k*$period*t/$dur\,$period)-overlay_w"
  else
    chain+="[$s]hflip[${s}m$n];"
    s="${s}m$n"
    x="$W-mod($off+$k*$period*t/$dur\,$period)"
  fi
  chain+="[$prev][$s]overlay=x='$x':y=$y:eval=frame[v$n];"
  prev="v$n"
}
# walk SPRITE X0 Y0 X1 Y1: straight line, once per clip (both ends must be hidden)
walk() {
  local s=$1
  n=$((n + 1))
  if (($4 < $2)); then chain+="[$s]hflip[${s}m$n];"; s="${s}m$n"; fi
  chain+="[$prev][$s]overlay=x='$2+($4-$2)*t/$dur':y='$3+($5-$3)*t/$dur':eval=frame[v$n];"
  prev="v$n"
}
# place SPRITE X Y: overlay a sprite at fixed X/Y expressions (may use t)
place() {
  n=$((n + 1))
  chain+="[$prev][$1]overlay=x='$2':y='$3':eval=frame[v$n];"
  prev="v$n"
}

# encode NAME CRF: filtergraph on stdin ending in [out]
encode() {
  local name=$1 crf=${CRF:-$2} script
  script="$(mktemp)"
  cat >"$script"
  if [[ -n "${GRAPH_ONLY:-}" ]]; then cp "$script" "$OUT/$name.graph"; rm -f "$script"; return; fi
  ffmpeg -hide_banner -loglevel error -y -filter_complex_script "$script" -map '[out]' \
    -t "$dur" -r "$fps" -c:v libx264 -threads 1 -preset slow -crf "$crf" -pix_fmt yuv420p \
    -profile:v high -g "$(awk -v f="$fps" 'BEGIN { print int(f * 2) }')" -an \
    -movflags +faststart -map_metadata -1 -fflags +bitexact -flags:v +bitexact \
    "$OUT/$name.mp4"
  rm -f "$script"
  printf "%-16s %7d bytes  %s fps  %s s\n" "$name.mp4" "$(stat -c %s "$OUT/$name.mp4")" "$fps" "$dur"
}

# Shaded round canopies for trees, as a geq expression over a list of
# "x y r" circles: value 0 outside, up to 1 at the (upper-left) highlight.
canopy_expr() {
  local e="0" x y r
  while read -r x y r; do
    [[ -z "$x" ]] && continue
    e="max($e\,gt($r-hypot(X-$x\,Y-$y)\,0)*(1.15-hypot(X-$x+$r/3\,Y-$y+$r/3)/($r*1.4)))"
  done
  echo "$e"
}
# tree_layer CIRCLES: a yuva still of canopies, to overlay on top of moving things
tree_layer() {
  local e
  e="$(canopy_expr <<<"$1")"
  printf "color=c=black@0:s=%dx%d:r=%s:d=1,format=yuva420p,trim=end_frame=1" "$W" "$H" "$fps"
  printf ",geq=lum='st(0,%s);30+85*ld(0)':cb='st(0,%s);118-8*ld(0)':cr='st(0,%s);112+2*ld(0)':a='255*gt(%s,0)'" "$e" "$e" "$e" "$e"
  printf ",noise=alls=14:all_seed=5,loop=loop=%d:size=1:start=0,setpts=N/(%s*TB)" "$(($(frames) - 1))" "$fps"
}

# ------------------------------------------------------------------ traffic ---
# A six-lane arterial road seen from a high pole, almost straight down: lane
# markings, a zebra crossing, a planted median, pavements with trees, roofs.
traffic() {
  local fps=25 dur=8 bg="" sprites="" chain="" prev=bg n=0 x y
  bg+="$(box 0 0 $W 74 0x7d7566)"                                      # roofs and yards
  bg+="$(box 24 6 150 56 0x8e8a84)$(box 40 16 22 14 0x6f6c68)$(box 120 30 30 20 0x6f6c68)"
  bg+="$(box 210 4 190 62 0x9a948b)$(box 230 14 60 10 0x77736d)$(box 330 36 40 16 0x77736d)"
  bg+="$(box 440 0 200 70 0x867f73)$(box 470 18 24 24 0x5f5a52)$(box 560 10 50 30 0x6c675f)"
  bg+="$(box 0 74 $W 24 0xaaa49a)$(box 0 96 $W 4 0xc9c4ba)"          # far pavement + kerb
  bg+="$(box 0 100 $W 180 0x4d4e52)"                                  # asphalt
  bg+="$(box 0 280 $W 4 0xc9c4ba)$(box 0 284 $W 24 0xaaa49a)"        # near kerb + pavement
  bg+="$(box 0 308 $W 52 0x847b6a)"
  bg+="$(box 60 318 170 42 0x928d86)$(box 300 324 90 36 0x6e6a63)$(box 470 316 170 44 0x9b968d)"
  bg+="$(box 0 182 $W 16 0x5f7a43)$(box 0 181 $W 2 0xd8d2c4)$(box 0 197 $W 2 0xd8d2c4)"  # median
  bg+="$(box 0 103 $W 2 0xe8e8e0)$(box 0 275 $W 2 0xe8e8e0)"         # edge lines
  for ((x = 0; x < W; x += 64)); do                                   # lane dashes
    bg+="$(box $((x + 8)) 128 30 2 0xe0e0d8)$(box $((x + 8)) 154 30 2 0xe0e0d8)"
    bg+="$(box $((x + 40)) 225 30 2 0xe0e0d8)$(box $((x + 40)) 251 30 2 0xe0e0d8)"
  done
  for ((x = 0; x < W; x += 22)); do bg+="$(box $((x + 4)) 185 12 10 0x41592c)"; done  # shrubs
  for ((y = 106; y < 276; y += 12)); do                               # zebra crossing
    ((y > 176 && y < 200)) && continue
    bg+="$(box 420 $y 46 6 0xe4e4dc)"
  done
  bg+="$(box 410 200 3 76 0xe8e8e0)$(box 474 104 3 76 0xe8e8e0)"     # stop lines
  bg+=",noise=alls=7:all_seed=11,gblur=sigma=0.6"

  topcar c1 52 22 0xe8e8e6; topcar c2 50 22 0x1c1c1e; topcar c3 54 22 0xa7acb2; topcar c4 50 22 0xb3261e
  topcar c5 52 22 0xd9d9d6; topcar c6 56 24 0x27456e; topcar c7 48 22 0xc9a227; topcar c8 52 22 0x55595e
  topcar c9 60 24 0xf0f0ee; topcar c10 50 22 0x3a3d40
  topbus b1 118 24 0x2f7d5b; topbus b2 96 24 0xdcdcd4
  # right-hand traffic: eastbound (to the right) below the median, westbound above
  drive c1 201 760 2 0 1;   drive c4 201 760 2 300 1
  drive b1 227 800 1 120 1; drive c7 227 800 1 520 1
  drive c2 253 720 2 80 1;  drive c9 251 720 2 430 1
  drive c3 105 740 2 40 -1; drive c6 130 780 1 260 -1
  drive c5 131 780 1 640 -1; drive b2 130 780 1 420 -1
  drive c8 157 700 2 150 -1; drive c10 157 700 2 480 -1

  local trees="" i
  for ((i = 0; i < 7; i++)); do trees+="$((28 + 96 * i)) 80 17"$'\n'"$((76 + 96 * i)) 300 17"$'\n'; done
  chain+="$(tree_layer "$trees")[trees];[$prev][trees]overlay[v$((++n))];"
  prev="v$n"

  {
    echo "$(still 0x847b6a "$bg")[bg];"
    echo "$sprites"
    echo "$chain"
    echo "[$prev]noise=alls=5:allf=t:all_seed=20240718,vignette=PI/5,"
    echo "$(osd "2024-07-18 10:03:12" "$(label "海勃湾区 新华街道 路口 01" "Haibowan Xinhua St Cam 01")")[out]"
  } | encode traffic 28
}

# ---------------------------------------------------------------- community ---
# A residential compound from a roof camera, looking down: roofs, lawns, paved
# paths, an internal road with parking bays, a gatehouse with a barrier, trees;
# residents walk between the trees, a car and an e-bike pass.
community() {
  local fps=25 dur=10 bg="" sprites="" chain="" prev=bg n=0 x
  bg+="$(box 0 0 240 100 0x9b8f86)$(box 4 4 232 92 0xa69a90)$(box 30 20 40 26 0x7d736b)$(box 160 50 36 30 0x85827d)"   # NW block
  bg+="$(box 0 100 240 14 0x4f5a30)"                                                       # its shadow
  bg+="$(box 404 0 236 92 0xb09382)$(box 408 4 228 84 0xbb9d8b)$(box 450 20 30 30 0x8a776b)$(box 560 30 44 22 0x8c8781)"
  bg+="$(box 404 92 236 12 0x4f5a30)"
  bg+="$(box 0 270 200 90 0x8f8a86)$(box 4 274 192 86 0x9a958f)$(box 40 300 36 26 0x7b7772)"  # SW block
  bg+="$(box 296 0 32 150 0xc2b59b)"                                    # path north
  bg+="$(box 0 146 $W 2 0xb5b0a6)$(box 0 148 $W 46 0x5e5f62)$(box 0 194 $W 2 0xb5b0a6)"   # road + kerbs
  for ((x = 10; x < W; x += 40)); do bg+="$(box $x 170 20 2 0xd8d4c8)"; done
  bg+="$(box 340 196 300 44 0x66676a)"                                  # parking bays
  for ((x = 340; x <= W; x += 30)); do bg+="$(box $x 198 2 40 0xe0ddd4)"; done
  bg+="$(box 344 201 22 36 0xb7bcc2)$(box 347 213 16 7 0x263038)"      # parked cars (from above)
  bg+="$(box 404 201 22 36 0x2a2d33)$(box 407 213 16 7 0x101418)"
  bg+="$(box 434 201 22 36 0xe6e6e2)$(box 437 213 16 7 0x263038)"
  bg+="$(box 524 201 22 36 0x8e2b25)$(box 527 213 16 7 0x263038)"
  bg+="$(box 584 201 22 36 0xd0d0cc)$(box 587 213 16 7 0x263038)"
  bg+="$(box 280 196 28 164 0xc2b59b)$(box 308 288 120 22 0xc2b59b)"   # path south + to plaza
  bg+=",format=gbrp,geq=r='if(lt(hypot(X-470\,Y-300)\,48)\,if(lt(hypot(X-470\,Y-300)\,18)\,176\,if(lt(hypot(X-470\,Y-300)\,22)\,150\,194))\,r(X\,Y))'"
  bg+=":g='if(lt(hypot(X-470\,Y-300)\,48)\,if(lt(hypot(X-470\,Y-300)\,18)\,82\,if(lt(hypot(X-470\,Y-300)\,22)\,146\,181))\,g(X\,Y))'"
  bg+=":b='if(lt(hypot(X-470\,Y-300)\,48)\,if(lt(hypot(X-470\,Y-300)\,18)\,104\,if(lt(hypot(X-470\,Y-300)\,22)\,138\,155))\,b(X\,Y))',format=yuv420p"
  bg+="$(box 12 118 30 26 0xdedbd2)$(box 12 118 30 6 0x3a6ea5)"        # gatehouse
  bg+=",noise=alls=10:all_seed=3,gblur=sigma=0.5"

  topcar car1 50 22 0x8a8f96; topcar car2 48 22 0xe4e4e0
  canvas ebike 22 8; sprites+="$(rbox 0 3 22 2 0x202020)$(rbox 8 0 8 8 0x3b6fb0)$(rbox 10 2 4 4 0x1e1a18)"; endsprite ebike
  topwalker p1 0xc0392b; topwalker p2 0x2e86c1; topwalker p3 0xe0e0dc; topwalker p4 0x7d8c3a
  drive car1 171 720 1 200 1
  drive car2 148 720 1 560 -1
  drive ebike 184 720 1 0 1
  walk p1 306 26 306 126            # down the north path, tree to tree
  walk p2 289 352 289 212           # up the south path
  walk p3 320 294 414 294           # along the path to the plaza
  walk p4 424 306 322 297

  local trees="307 26 22
306 126 21
250 122 16
294 352 24
289 212 20
318 294 18
424 305 19
360 130 18
590 130 16
120 230 22
180 250 18
60 210 16
560 270 24
620 330 20
380 340 18
"
  chain+="$(tree_layer "$trees")[trees];[$prev][trees]overlay[v$((++n))];"
  prev="v$n"
  {
    echo "$(still 0x6b7a3e "$bg")[bg];"
    echo "$sprites"
    echo "$chain"
    echo "[$prev]noise=alls=6:allf=t:all_seed=777,vignette=PI/5,"
    echo "$(osd "2024-07-18 14:20:08" "$(label "凤凰岭街道 智慧小区 02" "Fenghuangling Compound Cam 02")")[out]"
  } | encode community 28
}

# ------------------------------------------------------------------- street ---
# A shopping street from across the road: shop fronts with signs, a bus stop
# with a car parked in it, two lanes of traffic, walkers on the near pavement
# passing between two lamp posts.
street() {
  local fps=25 dur=10 bg="" sprites="" chain="" prev=bg n=0 x y
  # buildings: x0 width top colour
  local b x0 bw top col
  for b in "0 160 18 0xd8ccb0" "160 180 36 0xc7c9c9" "340 130 8 0xa8644e" "470 170 28 0xe2d9c3"; do
    read -r x0 bw top col <<<"$b"
    bg+="$(box "$x0" "$top" "$bw" $((200 - top)) "$col")$(box "$x0" "$top" "$bw" 3 0x8e8a84)"
    for ((y = top + 12; y < 130; y += 22)); do
      for ((x = x0 + 10; x < x0 + bw - 16; x += 26)); do
        if (((x / 26 + y / 22) % 3 == 0)); then bg+="$(box "$x" "$y" 14 13 0x8fa3b3)"; else bg+="$(box "$x" "$y" 14 13 0x4d5d6b)"; fi
      done
    done
    bg+="$(box "$x0" 136 "$bw" 4 0x9c968c)"
  done
  # shops: x width sign-colour name
  local s sx sw sc name
  for s in "4 152 0xc0392b 超市" "164 86 0x2e8b57 药房" "252 86 0xd35400 面馆" "344 122 0x1f5fa8 手机" "474 162 0x274472 五金"; do
    read -r sx sw sc name <<<"$s"
    bg+="$(box "$sx" 142 "$sw" 20 "$sc")$(box "$sx" 164 "$sw" 32 0x3b4a52)$(box $((sx + sw / 2 - 8)) 168 16 28 0x262d31)"
    if ((CJK)); then bg+="$(text $((sx + sw / 2 - 18)) 142 17 0xfff4d0 "$name")"; fi
  done
  bg+="$(box 0 196 $W 16 0xb0aba2)$(box 0 212 $W 2 0xd0ccc4)"         # far pavement + kerb
  bg+="$(box 0 214 $W 86 0x505154)"                                   # road
  bg+="$(box 0 254 $W 2 0xd4a72c)$(box 0 258 $W 2 0xd4a72c)"         # centre line
  bg+="$(box 0 300 $W 4 0xd0ccc4)$(box 0 304 $W 44 0xa59f95)"        # near kerb + pavement
  for ((x = 0; x < W; x += 40)); do bg+="$(box $x 304 1 44 0x948e84)"; done
  bg+="$(box 0 326 $W 1 0x948e84)$(box 0 348 $W 12 0x4f6b34)"
  bg+="$(box 424 170 3 42 0x707070)$(box 416 168 20 14 0x1f5fa8)$(box 419 171 14 3 0xf0f0f0)"  # bus stop sign
  # a car stopped in the bus stop (the illegal-parking scenario), from the side
  bg+="$(box 360 226 80 14 0xe8e8e6)$(box 378 216 40 12 0xe8e8e6)$(box 381 218 15 9 0x34434c)$(box 399 218 16 9 0x34434c)"
  bg+="$(box 370 236 12 10 0x161616)$(box 416 236 12 10 0x161616)"
  bg+="$(box 432 186 8 24 0x2c3e50)$(box 433 179 6 7 0xc99a73)"         # someone waiting
  bg+=",noise=alls=7:all_seed=13,gblur=sigma=0.5"

  sidecar far1 76 28 0xa7acb2; sidecar far2 72 26 0x1c1c1e; sidecar far3 80 28 0x8e2b25
  sidecar near1 92 34 0xe8e8e6; sidecar near2 88 32 0x27456e; sidecar near3 96 34 0xc9a227
  sidebus bus 230 62 0x2f7d5b
  walker w1 0x2e86c1 0x2b2b33; walker w2 0xc0392b 0x3a3a40
  canvas bike 30 34                  # a cyclist, side view
  sprites+=",drawbox=x=0:y=22:w=11:h=11:c=0x1a1a1a@1:t=2:replace=1,drawbox=x=19:y=22:w=11:h=11:c=0x1a1a1a@1:t=2:replace=1"
  sprites+="$(rbox 5 26 20 2 0x9a2a2a)$(rbox 12 7 8 14 0xe9e4d8)$(rbox 15 0 6 7 0xc99a73)$(rbox 15 0 6 3 0x1e1a18)$(rbox 13 20 4 8 0x3a3f4a)$(rbox 20 9 6 3 0xe9e4d8)"
  endsprite bike
  drive far1 222 880 2 100 -1;  drive far2 224 880 2 400 -1;  drive far3 222 880 2 680 -1
  drive bus 238 940 1 120 1;    drive near1 264 940 1 440 1;  drive near2 266 940 1 620 1
  drive near3 264 940 1 800 1
  drive bike 270 700 1 300 1
  walk w1 148 308 468 308       # lamp post to lamp post
  walk w2 468 312 148 312
  # foreground lamp posts (drawn over everything that passes behind them)
  local fg=""
  for x in 146 466; do fg+="$(box $x 40 12 308 0x5a5f63)$(box $((x + 2)) 40 4 308 0x7d8387)$(box $((x - 30)) 40 42 5 0x5a5f63)$(box $((x - 34)) 38 14 7 0xd8d8cc)"; done
  {
    echo "$(still 0xbac6cf "$bg")[bg];"
    echo "$sprites"
    echo "$chain"
    echo "[$prev]${fg#,},noise=alls=5:allf=t:all_seed=99,vignette=PI/5,"
    echo "$(osd "2024-07-18 10:05:31" "$(label "新华街道 商业街 03" "Xinhua St Shops Cam 03")")[out]"
  } | encode street 28
}

# -------------------------------------------------------------------- river ---
# The Yellow River from a high point on the bank: hazy ridges of the far
# mountains, the far bank with buildings, wide muddy water in perspective
# (sum of travelling ripples, flowing to the right), the near bank with a
# railing, and a small boat holding station. Day and night versions.

# Water ripple field r in about [-1, 1] for a band of rows 0..179, as geq
# code storing: ld(0) = perspective scale (far 0.12 .. near 1), ld(3) = ripple.
# Every wave's time frequency is a whole number of cycles per clip.
water_code() {
  local d=$dur
  printf "st(0\,(Y+25)/205);st(1\,(X-320)/ld(0));st(2\,140000/(Y+25));"
  printf "st(3\,0.5*sin(2*PI*(ld(1)/420+ld(2)/260-2*T/%s)+1.7*sin(2*PI*(ld(1)/730-ld(2)/610+T/%s)))" "$d" "$d"
  printf "+0.35*sin(2*PI*(ld(1)/190-ld(2)/150-3*T/%s)+1.3*sin(2*PI*(ld(1)/410+ld(2)/330-T/%s))+2)" "$d" "$d"
  printf "+0.2*sin(2*PI*(ld(1)/90+ld(2)/70-4*T/%s)+0.7)+0.12*sin(2*PI*(ld(1)/37-ld(2)/45-6*T/%s)));" "$d" "$d"
}

# Far ridge line, far bank (y 96..112) shared by both versions.
ridge_expr() { echo "66+13*sin(X/61+0.5)+7*sin(X/23+2)+3*sin(X/9)"; }

river_day() {
  local fps=12.5 dur=10 bg="" sprites="" chain="" prev=bg n=0 x i
  # sky gradient + two hazy ridges, drawn once
  bg+=",format=gbrp,geq=r='if(lt(Y\,$(ridge_expr))\,196-20*Y/70\,if(lt(Y\,84+6*sin(X/37)+4*sin(X/13+1))\,156\,138))'"
  bg+=":g='if(lt(Y\,$(ridge_expr))\,204-18*Y/70\,if(lt(Y\,84+6*sin(X/37)+4*sin(X/13+1))\,146\,128))'"
  bg+=":b='if(lt(Y\,$(ridge_expr))\,210-14*Y/70\,if(lt(Y\,84+6*sin(X/37)+4*sin(X/13+1))\,150\,128))',format=yuv420p"
  bg+="$(box 0 96 $W 16 0x8d8a6f)"                                     # far bank
  for ((i = 0; i < 34; i++)); do                                        # its buildings and trees
    x=$(((i * 97 + 13) % W)) 
    bg+="$(box $x $((100 - (i * 7) % 9)) $((6 + (i * 5) % 11)) $((12 + (i * 7) % 9)) $(((i % 3 == 0)) && echo 0xc9c1b5 || echo 0xa49c8e))"
    bg+="$(box $(((x + 41) % W)) 104 8 7 0x55663a)"
  done
  bg+="$(box 0 110 $W 2 0xb9ad8c)"                                     # waterline
  bg+="$(box 0 292 $W 68 0x8b7a5c)"                                    # near bank
  local pebble="gt(Y\,292)*(22*gt(mod(abs(sin(floor(X/3)*12.9898+floor(Y/2)*78.233))*43758.5453\,1)\,0.8)+20*lt(Y\,300+4*sin(X/29)))"
  bg+=",format=gbrp,geq=r='r(X\,Y)-$pebble':g='g(X\,Y)-$pebble':b='b(X\,Y)-0.8*$pebble',format=yuv420p"
  bg+=",noise=alls=8:all_seed=17,gblur=sigma=0.6"
  local water
  water="color=c=gray:s=${W}x180:r=$fps:d=$dur,format=gray,geq=lum='$(water_code)"
  water+="156-44*Y/180+(0.35+0.65*ld(0))*(17*ld(3)+50*max(0\,ld(3)-0.45))'"
  water+=",format=gbrp,lutrgb=r='val*0.95+12':g='val*0.86+8':b='val*0.62+14',gblur=sigma=0.5,format=yuv420p[water];"
  canvas boat 44 14
  sprites+="$(rbox 4 7 36 5 0x5a4636)$(rbox 0 6 44 2 0x6b5442)$(rbox 14 1 12 6 0xd8d4c8)$(rbox 30 0 2 7 0x303030)"
  sprites+=",drawbox=x=6:y=12:w=32:h=2:c=black@0.3:t=fill:replace=1"
  endsprite boat
  chain+="[$prev][water]overlay=x=0:y=112[v$((++n))];"; prev="v$n"
  place boat "302+18*sin(2*PI*t/$dur)" "166+1.5*sin(2*PI*4*t/$dur)"
  local fg="$(box 0 326 $W 4 0x9ea3a6)$(box 0 344 $W 3 0x8c9194)"     # railing in front
  for ((x = 20; x < W; x += 80)); do fg+="$(box $x 320 6 40 0x7b8083)"; done
  {
    echo "$(still 0x8d8a6f "$bg")[bg];"
    echo "$water"
    echo "$sprites"
    echo "$chain"
    echo "[$prev]${fg#,},noise=alls=6:allf=t:all_seed=5,vignette=PI/5,"
    echo "$(osd "2024-07-18 16:40:00" "$(label "乌海市 黄河高点 05" "Wuhai Yellow River Cam 05")")[out]"
  } | encode river_day 30
}

river_night() {
  local fps=12.5 dur=10 bg="" sprites="" chain="" prev=bg n=0 x i
  bg+=",format=gbrp,geq=r='if(lt(Y\,$(ridge_expr))\,10+34*pow(Y/96\,2)\,15)':g='if(lt(Y\,$(ridge_expr))\,12+24*pow(Y/96\,2)\,15)':b='if(lt(Y\,$(ridge_expr))\,22+12*pow(Y/96\,2)\,20)',format=yuv420p"
  bg+="$(box 0 96 $W 16 0x1d1e20)"                                     # far bank, dark
  # far-bank lights: x positions also used for their reflections below
  local lights=(22 71 118 140 205 233 290 342 371 430 468 502 561 603)
  for ((i = 0; i < ${#lights[@]}; i++)); do
    x=${lights[$i]}
    bg+="$(box "$x" $((100 + (i * 5) % 8)) $((2 + i % 2)) 2 $(((i % 3 == 0)) && echo 0xf6f2e0 || echo 0xf2b85a))"
  done
  for ((i = 0; i < 40; i++)); do bg+="$(box $(((i * 53 + 7) % W)) $((97 + (i * 3) % 12)) 1 1 0xa08a60)"; done
  bg+="$(box 0 292 $W 68 0x17171a)"                                    # near bank
  bg+=",gblur=sigma=0.7,noise=alls=10:all_seed=23"
  # water: dark ripples plus shimmering vertical reflections of the main lights
  local refl="0" l
  for l in 71 205 342 468 561; do
    refl+="+exp(-pow((X-$l)/(1.5+5*ld(0))\,2))*max(0\,ld(3)+0.05)"
  done
  local water
  water="color=c=gray:s=${W}x180:r=$fps:d=$dur,format=gray,geq=lum='$(water_code)"
  water+="20+14*exp(-Y/25)+(0.3+0.7*ld(0))*5*ld(3)+110*($refl)*exp(-Y/70)'"
  water+=",format=gbrp,lutrgb=r='val*1.0':g='val*0.9':b='val*0.85+6',format=yuv420p[water];"
  canvas boat 44 14
  sprites+="$(rbox 4 7 36 5 0x0d0d0e)$(rbox 0 6 44 2 0x141416)$(rbox 14 1 12 6 0x1b1b1d)$(rbox 18 3 3 2 0xfff6d0)"
  endsprite boat
  chain+="[$prev][water]overlay=x=0:y=112[v$((++n))];"; prev="v$n"
  place boat "210+14*sin(2*PI*t/$dur)" "178+1.5*sin(2*PI*4*t/$dur)"
  {
    echo "$(still 0x101216 "$bg")[bg];"
    echo "$water"
    echo "$sprites"
    echo "$chain"
    # low light: grainy, low contrast, slightly soft
    echo "[$prev]eq=contrast=0.85:brightness=0.02:saturation=0.7,noise=alls=12:allf=t:all_seed=31,gblur=sigma=0.4,"
    echo "$(osd "2024-07-18 23:10:05" "$(label "乌海市 黄河高点 11" "Wuhai Yellow River Cam 11")")[out]"
  } | encode river_night 31
}

main() {
  mkdir -p "$OUT"
  local clips=("$@") c
  ((${#clips[@]})) || clips=(traffic community street river_day river_night)
  for c in "${clips[@]}"; do
    case "$c" in
      traffic | community | street | river_day | river_night) "$c" ;;
      *) echo "make_clips.sh: unknown clip $c" >&2; exit 2 ;;
    esac
  done
}

main "$@"
