// The part of madge's API the layers test uses (the package ships no types).
declare module 'madge' {
  interface MadgeResult {
    circular(): string[][];
    obj(): Record<string, string[]>;
  }
  export default function madge(paths: string | string[], config?: { fileExtensions?: string[]; baseDir?: string }): Promise<MadgeResult>;
}
