// The page both laan's letters use (bills and notices): A4 in PDF points, the margins, the standard fonts.
export const PAGE_WIDTH = 595.28
export const PAGE_HEIGHT = 841.89
export const LEFT = 57
export const RIGHT = PAGE_WIDTH - 57
export const WIDTH = RIGHT - LEFT
export const TOP = 45
export const BOTTOM_LIMIT = PAGE_HEIGHT - 50

export const REGULAR = 'Helvetica'
export const BOLD = 'Helvetica-Bold'
export const GREY = '#555555'
export const BLACK = '#000000'
