#include "image_codecs.h"
int ot_codecs_placeholder(void) { return 0; }
