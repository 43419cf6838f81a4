#!/usr/bin/env bash
# Compiles infra/main.bicep to ARM JSON and lints every .bicep file under infra/, with the Bicep CLI
# from the NuGet package Azure.Bicep.CommandLine.linux-x64 (restored on first use through
# infra/tools/Bicep.Tools.csproj: NuGet is the only download site these machines reach).
# Fails on any diagnostic: infra/bicepconfig.json makes every linter rule an error, and any line
# the CLI prints (an Error, a Warning or an Info) fails the script too.
#
#   bash infra/build.sh                 # writes .tools/infra/main.json
#   BICEP_OUT=/some/dir bash infra/build.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

tools_project="infra/tools/Bicep.Tools.csproj"
version="$(sed -n 's/.*Include="Azure.Bicep.CommandLine.linux-x64" Version="\[\([0-9.]*\)\]".*/\1/p' "$tools_project")"
if [ -z "$version" ]; then
  echo "infra/build.sh: no Azure.Bicep.CommandLine.linux-x64 version found in $tools_project" >&2
  exit 1
fi

packages="$root/.tools/packages"
bicep="$packages/azure.bicep.commandline.linux-x64/$version/tools/bicep"
out="${BICEP_OUT:-$root/.tools/infra}"

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "infra/build.sh: the Bicep CLI package used here is for Linux x64; this is $(uname -s) $(uname -m)" >&2
  exit 1
fi

if [ ! -f "$bicep" ]; then
  echo "== bicep: restoring Azure.Bicep.CommandLine.linux-x64 $version from NuGet"
  dotnet restore "$tools_project" --packages "$packages" --nologo --verbosity quiet
fi
chmod +x "$bicep"
echo "== bicep: $("$bicep" --version)"

failed=0

# Runs the Bicep CLI; any output at all is a diagnostic (a clean build or lint prints nothing).
run_bicep() {
  local output status=0
  output="$("$bicep" "$@" 2>&1)" || status=$?
  if [ "$status" -ne 0 ] || [ -n "$output" ]; then
    printf '%s\n' "$output"
    echo "infra/build.sh: 'bicep $*' exited $status with the diagnostics above" >&2
    failed=1
  fi
}

mkdir -p "$out"
rm -f "$out/main.json"
echo "== bicep build infra/main.bicep -> ${out#"$root"/}/main.json"
run_bicep build infra/main.bicep --outfile "$out/main.json"

while IFS= read -r file; do
  echo "== bicep lint $file"
  run_bicep lint "$file"
done < <(find infra -name '*.bicep' -not -path '*/obj/*' | sort)

if [ "$failed" -ne 0 ]; then
  echo "infra/build.sh: FAILED (diagnostics above)" >&2
  exit 1
fi
echo "== bicep: build and lint clean"
