export declare function stopOnSignal(stop: () => void): () => void;
