# City Brain console on Windows: the equivalent of ./run.
#   powershell -ExecutionPolicy Bypass -File run.ps1 demo    set up, start the demo command center
#   powershell -ExecutionPolicy Bypass -File run.ps1 test    set up, run the whole test suite
#   powershell -ExecutionPolicy Bypass -File run.ps1 setup | hub ARGS | build
param([Parameter(Position = 0)][string]$Verb = "help",
      [Parameter(ValueFromRemainingArguments = $true)][string[]]$Rest)
$ErrorActionPreference = "Stop"
Set-Location $PSScriptRoot
$Venv = Join-Path $PSScriptRoot ".venv"
$Py = Join-Path $Venv "Scripts\python.exe"
$Stamp = Join-Path $Venv ".citybrain-setup-stamp"

function Find-Python {
    foreach ($c in @("py -3.13", "py -3.12", "py -3.11", "python")) {
        $parts = $c.Split(" ")
        try {
            & $parts[0] $parts[1..9] -c "import sys; sys.exit(sys.version_info < (3, 11))" 2>$null
            if ($LASTEXITCODE -eq 0) { return $parts }
        } catch {}
    }
    throw "Python 3.11 or newer is needed: install it from python.org (tick 'Add to PATH')."
}

function Test-Vlc {
    $dirs = @("$env:ProgramFiles\VideoLAN\VLC", "${env:ProgramFiles(x86)}\VideoLAN\VLC")
    foreach ($d in $dirs) { if (Test-Path (Join-Path $d "libvlc.dll")) { return } }
    Write-Warning "VLC 3 (64-bit) not found: video tiles will say so. Install it from https://www.videolan.org/vlc/"
}

function Setup {
    if (-not (Test-Path $Py)) {
        $base = Find-Python
        & $base[0] $base[1..9] -m venv $Venv
        & $Py -m pip install -q --disable-pip-version-check --upgrade pip
    }
    $key = (Get-FileHash pyproject.toml -Algorithm SHA256).Hash
    if (-not (Test-Path $Stamp) -or (Get-Content $Stamp) -ne $key) {
        & $Py -m pip install --disable-pip-version-check -e ".[dev]"
        if ($LASTEXITCODE -ne 0) { throw "pip install failed" }
        Set-Content $Stamp $key
    }
    Test-Vlc
}

switch ($Verb) {
    "setup" { Setup }
    "demo"  { Setup; & $Py main.py --demo @Rest; exit $LASTEXITCODE }
    "test"  { Setup; & $Py -m pytest @Rest; exit $LASTEXITCODE }
    "hub"   { Setup; & $Py -m hub @Rest; exit $LASTEXITCODE }
    "build" { Setup; & $Py -m pip install -q -e ".[dev,build]"; & $Py -m PyInstaller --noconfirm --distpath build\dist --workpath build\work (Get-ChildItem build\*.spec)[0].FullName @Rest; exit $LASTEXITCODE }
    default { Get-Content $PSCommandPath -TotalCount 5 | Select-Object -Skip 1 }
}
