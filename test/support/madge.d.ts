// madge 8 ships no types; the part of its API the import-circle test uses.
declare module 'madge' {
  interface MadgeResult {
    obj(): Record<string, string[]>;
    circular(): string[][];
  }
  interface MadgeConfig {
    fileExtensions?: string[];
    tsConfig?: string;
    detectiveOptions?: Record<string, Record<string, boolean>>;
  }
  export default function madge(path: string, config?: MadgeConfig): Promise<MadgeResult>;
}
