"""Read a page's form the way a browser submits it, to post back exactly what the form shows."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.template_depth = 0  # <template> content is not part of the form
        self.values: dict[str, list[str]] = {}
        self.select: str | None = None
        self.multiple = False
        self.select_options: list[tuple[str, bool]] = []
        self.option: tuple[str, bool] | None = None
        self.option_text = ""
        self.textarea: str | None = None
        self.textarea_text = ""

    def _add(self, name: str, value: str) -> None:
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form" and found.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        if tag == "template":
            self.template_depth += 1
        if self.template_depth or "disabled" in found or (tag in ("input", "select", "textarea") and not found.get("name")):
            return
        name = found.get("name", "")
        if tag == "input":
            kind = found.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in found:
                    self._add(name, found.get("value", "on"))
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self._add(name, found.get("value", ""))
        elif tag == "select":
            self.select, self.select_options = name, []
            self.multiple = "multiple" in found
        elif tag == "option" and self.select is not None:
            self.option, self.option_text = (found.get("value", "\0"), "selected" in found), ""
        elif tag == "textarea":
            self.textarea, self.textarea_text = name, ""

    def handle_data(self, data: str) -> None:
        if self.option is not None:
            self.option_text += data
        if self.textarea is not None:
            self.textarea_text += data

    def handle_endtag(self, tag: str) -> None:
        if not self.inside:
            return
        if tag == "template":
            self.template_depth -= 1
        elif tag == "form":
            self.inside = False
        elif tag == "option" and self.option is not None:
            value, selected = self.option
            self.select_options.append((self.option_text if value == "\0" else value, selected))
            self.option = None
        elif tag == "select" and self.select is not None:
            chosen = [value for value, selected in self.select_options if selected]
            if not chosen and not self.multiple and self.select_options:
                chosen = [self.select_options[0][0]]  # a browser submits the first option
            for value in chosen:
                self._add(self.select, value)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            # A browser ignores one newline right after <textarea>.
            text = self.textarea_text
            self._add(self.textarea, text[2:] if text.startswith("\r\n") else text.removeprefix("\n"))
            self.textarea = None


def form_values(html: str, form_id: str) -> dict[str, list[str]]:
    """The name → values a browser would post from the form ``form_id`` untouched (no button pressed)."""
    reader = _FormReader(form_id)
    reader.feed(html)
    return reader.values
