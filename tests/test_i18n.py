"""Every UI string has its Chinese, and the compiled translation is current."""
from console.i18n_tool import main


def test_translations_complete_and_compiled():
    assert main(["--check"]) == 0, "run: python -m console.i18n_tool (see its stderr above)"
