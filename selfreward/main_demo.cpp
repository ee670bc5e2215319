// ./sr_demo: the narrated walkthrough (being built).
#include "tensor/runtime.h"
int main() {
    sr::print_banner("sr_demo");
    return 1;
}
