/** Ids of threads, interactions, inputs, approvals: 1–128 of [A-Za-z0-9_.:-] (the `Id` fact schema's pattern). */
export const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
