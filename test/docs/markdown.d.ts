// Vite's `?raw` import: the documentation's text, bundled into the test (workerd has no file system).
declare module "*.md?raw" {
  const text: string;
  export default text;
}
