/** Which store to open; config/ produces it from `--db` / `SALESTWIN_DB`. */
export type StoreConfigLike = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string }
