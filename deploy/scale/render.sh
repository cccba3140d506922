# Sourced by start-janus.sh and start-coturn.sh: render_dir copies every file
# of a folder of templates into another, with each {{NAME}} replaced by the
# environment variable NAME. Janus's and coturn's config files cannot read the
# environment themselves, and a secret on their command line would show in
# `ps`; rendered into the container's tmpfs it touches no disk. A variable that
# is unset or empty, or a value that could break out of a quoted string (quote,
# backslash, control character), stops the start with the variable's name —
# never its value.
render_dir() {
  src=$1 out=$2
  umask 077
  mkdir -p "$out"
  for template in "$src"/*; do
    [ -f "$template" ] || continue
    awk '
      {
        line = $0; done = ""
        while (match(line, /[{][{][A-Z][A-Z0-9_]*[}][}]/)) {
          name = substr(line, RSTART + 2, RLENGTH - 4)
          value = ENVIRON[name]
          if (value == "") { print FILENAME ": " name " is not set" > "/dev/stderr"; failed = 1; exit 1 }
          if (value ~ /["\\]/ || value ~ /[[:cntrl:]]/) {
            print FILENAME ": " name " must not contain quotes, backslashes or control characters" > "/dev/stderr"
            failed = 1; exit 1
          }
          done = done substr(line, 1, RSTART - 1) value
          line = substr(line, RSTART + RLENGTH)
        }
        print done line
      }
    ' "$template" > "$out/$(basename "$template")" || exit 1
  done
}
