// A drop zone for a file: highlights while a file is dragged over it and hands the dropped
// file on (the Model and Blind spots pages' "drop your ONNX file here").

/**
 * @param {HTMLElement} zone shows the class `over` while a file is dragged over it
 * @param {(file: File) => void} onFile gets the first dropped file
 */
export function acceptDroppedFile(zone, onFile) {
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    const [file] = event.dataTransfer.files;
    if (file) onFile(file);
  });
}
