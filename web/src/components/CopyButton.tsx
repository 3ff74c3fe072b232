import { createSignal } from "solid-js";

export function CopyButton(props: { text: string; label?: string }) {
  const [copied, setCopied] = createSignal(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
    } catch {
      // Clipboard blocked (plain http): select the text for a manual copy instead.
      const range = document.createRange();
      const target = document.querySelector(`[data-copy="${CSS.escape(props.text)}"]`);
      if (target) {
        range.selectNodeContents(target);
        getSelection()?.removeAllRanges();
        getSelection()?.addRange(range);
      }
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <button class="button button-small" onClick={copy} aria-live="polite">
      {copied() ? "Copied" : (props.label ?? "Copy")}
    </button>
  );
}
