#ifndef OBJTRACE_IMAGE_CODECS_H
#define OBJTRACE_IMAGE_CODECS_H
int ot_codecs_placeholder(void);
#endif
